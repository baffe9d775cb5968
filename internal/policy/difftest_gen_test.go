package policy

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
)

// caseGen generates random simulate request files over a small universe of
// accounts, principals, actions and resources so that policies often come
// close to matching: operators, wildcards, variables, principal forms,
// cross-account access, boundaries, session policies, SCPs and RCPs.
//
// Every action, resource and context key is one the reference engine's
// validated entry point accepts for that action (its runSimulation drops
// context keys that an action does not support), so both engines see the
// same request.
type caseGen struct {
	r *rand.Rand
}

func newCaseGen(seed uint64) *caseGen {
	return &caseGen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

const (
	acctA = "111111111111"
	acctB = "222222222222"
)

type genPrincipal struct {
	arn     string
	typ     PrincipalType
	account string
	user    string // aws:username
	userID  string
	pt      string // aws:PrincipalType
	parn    string // aws:PrincipalArn
}

var genPrincipals = []genPrincipal{
	{arn: "arn:aws:iam::" + acctA + ":user/alice", typ: User, account: acctA, user: "alice", userID: "AIDAALICE", pt: "User"},
	{arn: "arn:aws:iam::" + acctA + ":user/bob", typ: User, account: acctA, user: "bob", userID: "AIDABOB", pt: "User"},
	{arn: "arn:aws:iam::" + acctB + ":user/carol", typ: User, account: acctB, user: "carol", userID: "AIDACAROL", pt: "User"},
	{arn: "arn:aws:iam::" + acctA + ":role/AppRole", typ: Role, account: acctA, userID: "AROAAPP", pt: "AssumedRole"},
	{arn: "arn:aws:sts::" + acctA + ":assumed-role/AppRole/sess1", typ: RoleSession, account: acctA, userID: "AROAAPP:sess1", pt: "AssumedRole", parn: "arn:aws:iam::" + acctA + ":role/AppRole"},
	{arn: "arn:aws:sts::" + acctA + ":assumed-role/AppRole/sess2", typ: RoleSession, account: acctA, userID: "AROAAPP:sess2", pt: "AssumedRole", parn: "arn:aws:iam::" + acctA + ":role/AppRole"},
	{arn: "arn:aws:sts::" + acctB + ":assumed-role/Other/s2", typ: RoleSession, account: acctB, userID: "AROAOTHER:s2", pt: "AssumedRole", parn: "arn:aws:iam::" + acctB + ":role/Other"},
	{arn: "arn:aws:sts::" + acctA + ":federated-user/alice", typ: FederatedUser, account: acctA, userID: acctA + ":alice", pt: "FederatedUser"},
	{arn: "anonymous", typ: Anonymous},
}

var (
	genProvider = "arn:aws:iam::" + acctA + ":oidc-provider/oidc.example.com"
	genServices = []string{"ecs-tasks.amazonaws.com", "pods.eks.amazonaws.com"}
)

type genAction struct {
	action string
	// resource returns the resource ARN for the given resource account.
	resource func(acct string) string
	// acctInARN is true when the resource ARN carries its account.
	acctInARN bool
	trust     bool // evaluated against a role trust policy
	keys      []string
}

var genActions = []genAction{
	{action: "s3:GetObject", resource: func(string) string { return "arn:aws:s3:::bucket-a/reports/q1.csv" }, keys: []string{"s3:ExistingObjectTag/team"}},
	{action: "s3:GetObject", resource: func(string) string { return "arn:aws:s3:::bucket-b/home/alice/notes.txt" }, keys: []string{"s3:ExistingObjectTag/team"}},
	{action: "s3:PutObject", resource: func(string) string { return "arn:aws:s3:::bucket-a/reports/q1.csv" }},
	{action: "s3:ListBucket", resource: func(string) string { return "arn:aws:s3:::bucket-a" }},
	{action: "sqs:SendMessage", resource: func(a string) string { return "arn:aws:sqs:us-east-1:" + a + ":queue1" }, acctInARN: true},
	{action: "dynamodb:GetItem", resource: func(a string) string { return "arn:aws:dynamodb:us-west-2:" + a + ":table/Orders" }, acctInARN: true},
	{action: "lambda:InvokeFunction", resource: func(a string) string { return "arn:aws:lambda:us-east-1:" + a + ":function:fn-1" }, acctInARN: true},
	{action: "iam:GetRole", resource: func(a string) string { return "arn:aws:iam::" + a + ":role/AppRole" }, acctInARN: true},
	{action: "ec2:DescribeInstances", resource: func(string) string { return "*" }},
	{action: "secretsmanager:GetSecretValue", resource: func(a string) string { return "arn:aws:secretsmanager:us-east-1:" + a + ":secret:db-AbCdEf" }, acctInARN: true},
	{action: "sts:AssumeRole", resource: func(a string) string { return "arn:aws:iam::" + a + ":role/Target" }, acctInARN: true, trust: true, keys: []string{"sts:ExternalId"}},
	{action: "sts:TagSession", resource: func(a string) string { return "arn:aws:iam::" + a + ":role/Target" }, acctInARN: true, trust: true},
	{action: "sts:AssumeRoleWithWebIdentity", resource: func(a string) string { return "arn:aws:iam::" + a + ":role/Target" }, acctInARN: true, trust: true, keys: []string{"accounts.google.com:aud"}},
}

func (g *caseGen) pick(n int) int          { return g.r.IntN(n) }
func (g *caseGen) chance(p float64) bool   { return g.r.Float64() < p }
func (g *caseGen) one(xs ...string) string { return xs[g.pick(len(xs))] }

// state is the request being generated, consulted by the policy generator
// so that policies often come close to matching.
type genState struct {
	p       genPrincipal
	act     genAction
	res     string
	resAcct string
	service bool // principal is a service principal
	webID   bool
}

func (g *caseGen) caseJSON() []byte {
	b, err := json.Marshal(g.caseMap())
	if err != nil {
		panic(err)
	}
	return b
}

func (g *caseGen) caseMap() map[string]any {
	st := genState{act: genActions[g.pick(len(genActions))]}
	switch {
	case st.act.action == "sts:AssumeRoleWithWebIdentity":
		// An IAM OIDC provider lives in the role's account. (Providers
		// named by host, such as accounts.google.com, have no account;
		// the reference cannot represent them as callers, so they appear
		// only in policies.)
		st.webID = true
		st.p = genPrincipal{arn: genProvider, typ: WebIdentity, account: acctA}
	case st.act.trust && g.chance(0.2):
		st.service = true
		st.p = genPrincipal{arn: g.one(genServices...), typ: Service}
	default:
		st.p = genPrincipals[g.pick(len(genPrincipals))]
	}
	st.resAcct = acctA
	if g.chance(0.35) && !st.webID {
		st.resAcct = acctB
	}
	st.res = st.act.resource(st.resAcct)

	m := map[string]any{
		"principal":       st.p.arn,
		"action":          g.actionCase(st.act.action),
		"resource":        st.res,
		"resourceAccount": st.resAcct,
	}
	if ctx := g.context(&st); len(ctx) > 0 {
		m["context"] = ctx
	}
	iam := st.p.typ != Anonymous && !st.service && !st.webID
	if iam {
		var ids []any
		for i, n := 0, g.pick(4); i < n; i++ {
			ids = append(ids, g.policy(&st, roleIdentity))
		}
		if len(ids) > 0 {
			m["identityPolicies"] = ids
		}
		if g.chance(0.25) {
			m["permissionsBoundaries"] = []any{g.policy(&st, roleBoundary)}
		}
		if (st.p.typ == RoleSession || st.p.typ == Role || st.p.typ == FederatedUser) && g.chance(0.3) {
			m["sessionPolicy"] = g.policy(&st, roleSession)
		}
		if g.chance(0.25) {
			var levels []any
			for i, n := 0, 1+g.pick(3); i < n; i++ {
				var lvl []any
				if g.chance(0.85) {
					lvl = append(lvl, fullAccess())
				}
				for j, k := 0, g.pick(2); j < k; j++ {
					lvl = append(lvl, g.policy(&st, roleSCP))
				}
				if len(lvl) == 0 {
					lvl = append(lvl, g.policy(&st, roleSCP))
				}
				levels = append(levels, lvl)
			}
			m["scps"] = levels
		}
	}
	if st.act.trust || g.chance(0.6) {
		role := roleResource
		if st.act.trust {
			role = roleTrust
		}
		m["resourcePolicy"] = g.policy(&st, role)
	}
	if g.chance(0.15) {
		var levels []any
		for i, n := 0, 1+g.pick(2); i < n; i++ {
			lvl := []any{}
			for j, k := 0, g.pick(2); j < k; j++ {
				lvl = append(lvl, g.policy(&st, roleRCP))
			}
			levels = append(levels, lvl)
		}
		m["rcps"] = levels
	}
	return m
}

func fullAccess() map[string]any {
	return map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{"Effect": "Allow", "Action": "*", "Resource": "*"}}}
}

// actionCase varies the case of the request action.
func (g *caseGen) actionCase(a string) string {
	switch g.pick(6) {
	case 0:
		return strings.ToLower(a)
	case 1:
		i := strings.IndexByte(a, ':')
		return strings.ToUpper(a[:i]) + a[i:]
	}
	return a
}

func (g *caseGen) context(st *genState) map[string]any {
	ctx := map[string]any{}
	p := st.p
	if p.typ != Anonymous && !st.service && !st.webID && g.chance(0.7) {
		parn := p.parn
		if parn == "" {
			parn = p.arn
		}
		ctx["aws:PrincipalArn"] = parn
		ctx["aws:PrincipalAccount"] = p.account
		ctx["aws:PrincipalType"] = p.pt
		if p.userID != "" {
			ctx["aws:userid"] = p.userID
		}
		if p.user != "" {
			ctx["aws:username"] = p.user
		}
	}
	if p.typ != Anonymous && g.chance(0.6) {
		ctx[g.one("aws:PrincipalTag/team", "aws:principaltag/TEAM", "AWS:PrincipalTag/Team")] = g.one("blue", "Blue", "red", "reports", "a*b")
	}
	if g.chance(0.6) {
		ctx["aws:SourceIp"] = g.one("10.1.2.3", "10.200.0.1", "192.168.1.7", "203.0.113.9", "2001:db8::5", "2001:db9::1")
	}
	if g.chance(0.3) {
		ctx["aws:CurrentTime"] = g.one("2024-06-01T12:00:00Z", "2023-01-01T00:00:00Z", "2026-03-01T08:30:00Z")
	}
	if g.chance(0.2) {
		ctx["aws:EpochTime"] = g.one("1717243200", "1672531200")
	}
	if g.chance(0.2) {
		ctx["aws:MultiFactorAuthAge"] = g.one("100", "7200", "3600")
	}
	if g.chance(0.3) {
		ctx["aws:SecureTransport"] = g.one("true", "false")
	}
	if g.chance(0.35) {
		var keys []string
		switch g.pick(5) {
		case 0:
			keys = []string{}
		case 1:
			keys = []string{"a"}
		case 2:
			keys = []string{"a", "b"}
		case 3:
			keys = []string{"a", "c"}
		default:
			keys = []string{"B", "d"}
		}
		ctx["aws:TagKeys"] = keys
	}
	if g.chance(0.15) {
		ctx["aws:CalledVia"] = []string{g.one("cloudformation.amazonaws.com", "athena.amazonaws.com")}
	}
	if g.chance(0.2) {
		ctx["aws:SourceArn"] = g.one("arn:aws:sns:us-east-1:"+acctA+":topic1", "arn:aws:s3:::bucket-a")
	}
	for _, k := range st.act.keys {
		if g.chance(0.7) {
			switch k {
			case "s3:ExistingObjectTag/team":
				ctx[k] = g.one("blue", "red", "Blue")
			case "sts:ExternalId":
				ctx[k] = g.one("ext-123", "ext-999")
			case "accounts.google.com:aud":
				ctx[k] = g.one("app-client-1", "other-client")
			}
		}
	}
	return ctx
}

func (g *caseGen) version() (string, bool) {
	switch g.pick(20) {
	case 0:
		return "2008-10-17", true
	case 1:
		return "", false
	}
	return "2012-10-17", true
}

// policy generates a policy document for the given slot, as an object or
// (sometimes) as a JSON string.
func (g *caseGen) policy(st *genState, role policyRole) any {
	doc := map[string]any{}
	if v, ok := g.version(); ok {
		doc["Version"] = v
	}
	if role == roleRCP {
		doc["Version"] = "2012-10-17"
	}
	n := 1 + g.pick(3)
	var stmts []any
	for i := 0; i < n; i++ {
		stmts = append(stmts, g.statement(st, role, i))
	}
	if n == 1 && g.chance(0.3) {
		doc["Statement"] = stmts[0]
	} else {
		doc["Statement"] = stmts
	}
	if g.chance(0.15) {
		b, _ := json.Marshal(doc)
		return string(b)
	}
	return doc
}

func (g *caseGen) statement(st *genState, role policyRole, idx int) map[string]any {
	s := map[string]any{}
	if g.chance(0.3) {
		s["Sid"] = "S" + string(rune('a'+idx)) + "x" + string(rune('0'+g.pick(10)))
	}
	deny := g.chance(0.22)
	if role == roleSCP {
		deny = g.chance(0.5)
	}
	if role == roleRCP {
		deny = true
	}
	if deny {
		s["Effect"] = "Deny"
	} else {
		s["Effect"] = "Allow"
	}

	// Principal.
	switch role {
	case roleResource, roleTrust:
		pr := g.principalElem(st, role)
		if role == roleResource && deny && g.chance(0.15) && !anyPrincipal(pr) {
			s["NotPrincipal"] = pr
		} else {
			s["Principal"] = pr
		}
	case roleRCP:
		s["Principal"] = "*"
	}

	// Action.
	acts := g.actions(st, role)
	if role != roleRCP && role != roleTrust && g.chance(0.12) {
		s["NotAction"] = acts
	} else {
		s["Action"] = acts
	}

	// Resource.
	if role != roleTrust {
		res := g.resources(st)
		if g.chance(0.1) {
			s["NotResource"] = res
		} else {
			s["Resource"] = res
		}
	}

	// Condition.
	if g.chance(0.55) {
		cond := map[string]any{}
		for i, k := 0, 1+g.pick(2); i < k; i++ {
			op, key, vals := g.condition(st)
			block, _ := cond[op].(map[string]any)
			if block == nil {
				block = map[string]any{}
				cond[op] = block
			}
			block[key] = vals
		}
		s["Condition"] = cond
	}
	return s
}

func (g *caseGen) principalElem(st *genState, role policyRole) any {
	one := func() (string, string) {
		switch g.pick(13) {
		case 0:
			return "AWS", "*"
		case 1:
			return "AWS", g.one(acctA, acctB)
		case 2:
			return "AWS", "arn:aws:iam::" + g.one(acctA, acctB) + ":root"
		case 3:
			return "AWS", "arn:aws:iam::" + acctA + ":user/" + g.one("alice", "bob")
		case 4:
			return "AWS", "arn:aws:iam::" + acctB + ":user/carol"
		case 5:
			return "AWS", "arn:aws:iam::" + acctA + ":role/AppRole"
		case 6:
			return "AWS", "arn:aws:iam::" + acctB + ":role/Other"
		case 7:
			return "AWS", "arn:aws:sts::" + acctA + ":assumed-role/AppRole/" + g.one("sess1", "sess2")
		case 8:
			return "AWS", "arn:aws:sts::" + acctA + ":federated-user/alice"
		case 9:
			return "Federated", g.one(genProvider, "accounts.google.com")
		case 10:
			return "Service", g.one(genServices...)
		}
		// Name the request's own principal.
		switch {
		case st.service:
			return "Service", st.p.arn
		case st.webID:
			return "Federated", st.p.arn
		case st.p.typ == Anonymous:
			return "AWS", "*"
		}
		return "AWS", st.p.arn
	}
	if g.chance(0.1) {
		return "*"
	}
	out := map[string]any{}
	for i, n := 0, 1+g.pick(2); i < n; i++ {
		k, v := one()
		switch cur := out[k].(type) {
		case nil:
			out[k] = v
		case string:
			if cur != v {
				out[k] = []any{cur, v}
			}
		case []any:
			out[k] = append(cur, v)
		}
	}
	return out
}

// anyPrincipal reports whether a generated Principal value names "*".
func anyPrincipal(pr any) bool {
	if pr == "*" {
		return true
	}
	m, _ := pr.(map[string]any)
	switch v := m["AWS"].(type) {
	case string:
		return v == "*"
	case []any:
		for _, x := range v {
			if x == "*" {
				return true
			}
		}
	}
	return false
}

func (g *caseGen) actions(st *genState, role policyRole) any {
	a := st.act.action
	svc, name := a[:strings.IndexByte(a, ':')], a[strings.IndexByte(a, ':')+1:]
	one := func() string {
		switch g.pick(11) {
		case 0:
			if role == roleRCP {
				return svc + ":*"
			}
			return "*"
		case 1:
			return svc + ":*"
		case 2:
			return svc + ":" + name[:3] + "*"
		case 3:
			return svc + ":?" + name[1:]
		case 4:
			return strings.ToLower(a)
		case 5:
			return strings.ToUpper(svc) + ":" + strings.ToLower(name)
		case 6:
			if st.act.trust {
				return g.one("sts:AssumeRole", "sts:TagSession", "sts:AssumeRoleWithWebIdentity", "sts:Assume*")
			}
			return g.one("s3:PutObject", "s3:List*", "sqs:*", "dynamodb:Get*", "iam:Get*", "ec2:Describe*")
		case 7:
			return svc + ":*" + name[len(name)-3:]
		}
		return a
	}
	if st.act.trust && role == roleTrust {
		// Trust policies accept only sts actions.
		one0 := one
		one = func() string {
			v := one0()
			if v != "*" && !strings.HasPrefix(strings.ToLower(v), "sts:") {
				return "sts:*"
			}
			return v
		}
	} else if role == roleTrust {
		return "sts:AssumeRole"
	}
	if g.chance(0.25) {
		return []any{one(), one()}
	}
	return one()
}

func (g *caseGen) resources(st *genState) any {
	res := st.res
	one := func() string {
		if res == "*" {
			return g.one("*", "*", "arn:aws:ec2:*:*:instance/*")
		}
		parts, _ := splitARN(res)
		switch g.pick(14) {
		case 0:
			return "*"
		case 1:
			return res
		case 2:
			return strings.Join(parts[:5], ":") + ":*"
		case 3:
			// region and account wildcards
			return "arn:aws:" + parts[2] + ":*:*:" + parts[5]
		case 4:
			return "arn:aws:" + parts[2] + ":" + parts[3] + ":" + g.one(acctA, acctB, "*") + ":" + parts[5]
		case 5:
			if len(parts[5]) > 2 {
				return strings.Join(parts[:5], ":") + ":" + parts[5][:len(parts[5])-2] + "??"
			}
		case 6:
			return "arn:aws:s3:::bucket-b/home/${aws:username}/*"
		case 7:
			return "arn:aws:s3:::bucket-a/${aws:PrincipalTag/team}/*"
		case 8:
			return "arn:aws:s3:::bucket-a/${aws:principaltag/team, 'reports'}/*"
		case 9:
			return "arn:aws:s3:::bucket-?/*"
		case 10:
			return strings.Join(parts[:5], ":") + ":" + strings.ToUpper(parts[5])
		case 11:
			return "arn:aws:s3:::*/q1.csv"
		case 12:
			return "arn:aws:s3:::bucket-a/report${?}/*"
		}
		return res
	}
	if g.chance(0.2) {
		return []any{one(), one()}
	}
	return one()
}

// condition returns an operator, a key and its values.
func (g *caseGen) condition(st *genState) (string, string, any) {
	qual := func(op string) string {
		if g.chance(0.15) {
			op += "IfExists"
		}
		return op
	}
	vals := func(xs ...string) any {
		if g.chance(0.3) && len(xs) > 1 {
			i, j := g.pick(len(xs)), g.pick(len(xs))
			return []any{xs[i], xs[j]}
		}
		return xs[g.pick(len(xs))]
	}
	strOps := []string{"StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike"}
	dateOps := []string{"DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals"}
	numOps := []string{"NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals"}
	arnOps := []string{"ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"}
	switch g.pick(15) {
	case 0, 1:
		return qual(g.one("IpAddress", "NotIpAddress")), g.one("aws:SourceIp", "aws:sourceip"),
			vals("10.0.0.0/8", "10.1.2.0/24", "192.168.0.0/16", "2001:db8::/32", "10.1.2.3", "203.0.113.0/24", "0.0.0.0/0")
	case 2, 3:
		return qual(g.one(strOps...)), g.one("aws:PrincipalTag/team", "aws:principaltag/Team"),
			vals("blue", "Blue", "bl*", "r?d", "red", "${aws:username}", "reports", "a${*}b")
	case 4:
		return qual(g.one(strOps...)), "aws:username", vals("alice", "bob", "a*", "${aws:PrincipalTag/team}", "carol")
	case 5:
		return qual(g.one(dateOps...)), g.one("aws:CurrentTime", "aws:EpochTime"),
			vals("2024-01-01T00:00:00Z", "2025-06-01T00:00:00Z", "1704067200", "2024-06-01T12:00:00Z")
	case 6:
		return qual(g.one(numOps...)), "aws:MultiFactorAuthAge", vals("3600", "100", "7200")
	case 7:
		return qual("Bool"), g.one("aws:SecureTransport", "aws:securetransport"), vals("true", "false")
	case 8:
		set := g.one("ForAllValues:", "ForAnyValue:", "ForAllValues:", "ForAnyValue:", "")
		return set + qual(g.one("StringEquals", "StringLike", "StringNotEquals", "StringEqualsIgnoreCase")), "aws:TagKeys", vals("a", "b", "c", "a*", "B")
	case 9:
		return qual(g.one(append(arnOps, "StringLike")...)), g.one("aws:PrincipalArn", "aws:SourceArn"),
			vals("arn:aws:iam::"+acctA+":role/*", "arn:aws:iam::"+acctA+":user/alice", "arn:aws:iam::*:user/*", "arn:aws:*:*:"+acctB+":*", "arn:aws:sns:us-east-1:"+acctA+":topic?", "arn:aws:s3:::bucket-a")
	case 10:
		return qual(g.one("StringEquals", "StringNotEquals")), "aws:PrincipalAccount", vals(acctA, acctB)
	case 11:
		return "Null", g.one("aws:SourceIp", "aws:PrincipalTag/team", "aws:TagKeys", "aws:username", "aws:MultiFactorAuthAge"), g.one("true", "false")
	case 12:
		for _, k := range st.act.keys {
			switch k {
			case "s3:ExistingObjectTag/team":
				return qual(g.one("StringEquals", "StringNotEquals")), k, vals("${aws:PrincipalTag/team}", "blue", "${aws:PrincipalTag/missing, 'red'}")
			case "sts:ExternalId":
				return qual("StringEquals"), k, vals("ext-123", "ext-*")
			case "accounts.google.com:aud":
				return qual(g.one("StringEquals", "StringLike")), k, vals("app-client-1", "app-*")
			}
		}
		return qual(g.one(strOps...)), "aws:userid", vals("AROAAPP:*", "AIDAALICE", "*:sess1")
	case 13:
		set := g.one("ForAnyValue:", "ForAllValues:", "")
		return set + qual(g.one("StringEquals", "StringLike")), "aws:CalledVia", vals("cloudformation.amazonaws.com", "*.amazonaws.com")
	}
	return qual(g.one(strOps...)), "aws:userid", vals("AROAAPP:*", "AIDAALICE", "*:sess1", "${aws:username}")
}
