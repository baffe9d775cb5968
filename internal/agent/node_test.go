package agent

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestNodeCredentials(t *testing.T) {
	dir := t.TempDir()
	creds := filepath.Join(dir, "credentials")
	conf := filepath.Join(dir, "config")
	os.WriteFile(creds, []byte("[node]\naws_access_key_id = AKIAPROFILE00000001\naws_secret_access_key = profileSecret\n"), 0o600)
	os.WriteFile(conf, []byte("[profile node]\nregion = eu-west-1\n"), 0o600)
	for k, v := range map[string]string{
		"AWS_SHARED_CREDENTIALS_FILE": creds, "AWS_CONFIG_FILE": conf, "AWS_EC2_METADATA_DISABLED": "true",
		"AWS_ACCESS_KEY_ID": "AKIAENV0000000000001", "AWS_SECRET_ACCESS_KEY": "envSecret", "AWS_REGION": "us-west-2",
	} {
		t.Setenv(k, v)
	}
	for _, k := range []string{"AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION", "AWS_CONTAINER_CREDENTIALS_FULL_URI"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	ctx := context.Background()
	tests := []struct {
		name, profile, wantKey, wantRegion string
		unsetEnv                           bool
	}{
		{"environment", "", "AKIAENV0000000000001", "us-west-2", false},
		{"profile", "node", "AKIAPROFILE00000001", "eu-west-1", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.unsetEnv {
				for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"} {
					os.Unsetenv(k)
				}
			}
			p, region, err := NodeCredentials(ctx, tt.profile)
			if err != nil {
				t.Fatal(err)
			}
			c, err := p.Retrieve(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if c.AccessKeyID != tt.wantKey || region != tt.wantRegion {
				t.Errorf("got %s in %q", c.AccessKeyID, region)
			}
		})
	}
	if _, _, err := NodeCredentials(ctx, "missing"); err == nil {
		t.Error("missing profile accepted")
	}
}
