"""Signs test requests with botocore and sends them to a test server.

Driven by internal/sigv4's tests: reads a JSON list of cases on stdin,
signs each with botocore's SigV4Auth (header form) or SigV4QueryAuth
(presigned) at a fixed time, sends it with botocore's own HTTP session
(urllib3), and prints a JSON list of {"case", "status"} results.
"""
import datetime
import json
import sys
import urllib.parse

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.httpsession import URLLib3Session


def main():
    cases = json.load(sys.stdin)
    session = URLLib3Session()
    out = []
    for c in cases:
        ts = datetime.datetime.strptime(c["time"], "%Y%m%dT%H%M%SZ")
        botocore.auth.get_current_datetime = lambda ts=ts: ts
        creds = Credentials(c["access_key"], c["secret_key"], c.get("token") or None)
        data = c.get("body", "").encode("utf-8")
        if c.get("presign_expires") and data:
            # The presigner moves a form body into the query; it wants it
            # as a dict.
            data = dict(urllib.parse.parse_qsl(data.decode("utf-8")))
        req = AWSRequest(method=c["method"], url=c["url"], data=data)
        for k, v in c.get("headers", []):
            # HTTPHeaders appends on assignment: repeated names give
            # repeated headers.
            req.headers[k] = v
        req.headers["X-Test-Case"] = c["name"]
        if c.get("presign_expires"):
            botocore.auth.SigV4QueryAuth(creds, c["service"], c["region"], expires=c["presign_expires"]).add_auth(req)
        else:
            botocore.auth.SigV4Auth(creds, c["service"], c["region"]).add_auth(req)
        resp = session.send(req.prepare())
        out.append({"case": c["name"], "status": resp.status_code, "url": req.url})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
