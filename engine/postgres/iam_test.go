package postgres

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// fakeRedshift answers GetClusterCredentials in Redshift's query
// protocol (form-encoded POST, XML reply), handing out the given login,
// and records the requests' forms.
type fakeRedshift struct {
	mu       sync.Mutex
	forms    []map[string]string
	signed   bool
	user, pw string
}

func (f *fakeRedshift) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	form := map[string]string{}
	for k := range r.PostForm {
		form[k] = r.PostForm.Get(k)
	}
	f.mu.Lock()
	f.forms = append(f.forms, form)
	f.signed = strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ")
	f.mu.Unlock()
	if form["Action"] != "GetClusterCredentials" {
		http.Error(w, "unexpected action", 400)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<GetClusterCredentialsResponse xmlns="http://redshift.amazonaws.com/doc/2012-12-01/">
<GetClusterCredentialsResult><DbUser>%s</DbUser><DbPassword>%s</DbPassword><Expiration>2030-01-01T00:15:00Z</Expiration></GetClusterCredentialsResult>
<ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></GetClusterCredentialsResponse>`, f.user, f.pw)
}

// iam=true fetches a temporary login through the real SDK client and
// connects with it: here a PostgreSQL role named as Redshift names IAM
// users ("IAM:alice"), with the password the fake hands out.
func TestRedshiftIAMAuth(t *testing.T) {
	c := shared.Cluster(t)
	db := c.NewDB(t)
	admin := c.Conn(t, db)
	ctx := context.Background()
	for _, s := range []string{`CREATE TABLE t (x int)`, `CREATE ROLE "IAM:alice" LOGIN PASSWORD 'tmp-7f3a'`, `GRANT SELECT ON t TO "IAM:alice"`} {
		if _, err := admin.Exec(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { admin.Exec(ctx, `DROP OWNED BY "IAM:alice"`); admin.Exec(ctx, `DROP ROLE "IAM:alice"`) })
	fake := &fakeRedshift{user: "IAM:alice", pw: "tmp-7f3a"}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""), BaseEndpoint: aws.String(srv.URL)}
	t.Setenv("PGPASSWORD", "not-used")

	url := fmt.Sprintf("redshift://alice@%s:%d/%s?table=t&sslmode=disable&iam=true&cluster_id=analytics&region=eu-west-1&db_groups=readers,etl&auto_create=true", c.Host, c.Port, db)
	b, err := Open(ctx, url, Options{AWS: &cfg})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var who string
	if err := b.Conn().QueryRow(ctx, "SELECT current_user").Scan(&who); err != nil || who != "IAM:alice" {
		t.Fatalf("current_user = %q, %v", who, err)
	}
	if got, err := b.QueryRow(ctx, "SELECT count(*) FROM t", 1); err != nil || got[0].Float64 != 0 {
		t.Fatalf("query as the IAM user: %v, %v", got, err)
	}
	want := map[string]string{"Action": "GetClusterCredentials", "DbUser": "alice", "ClusterIdentifier": "analytics",
		"DbName": db, "AutoCreate": "true", "DbGroups.DbGroup.1": "readers", "DbGroups.DbGroup.2": "etl"}
	if len(fake.forms) != 1 || !fake.signed {
		t.Fatalf("requests %v, signed %v", fake.forms, fake.signed)
	}
	for k, v := range want {
		if fake.forms[0][k] != v {
			t.Errorf("request %s = %q, want %q (form %v)", k, fake.forms[0][k], v, fake.forms[0])
		}
	}
}

func TestParseIAMURL(t *testing.T) {
	tg, err := ParseURL("redshift://alice@prod.abc123.eu-west-1.redshift.amazonaws.com/dev?table=public.t&iam=true")
	if err != nil {
		t.Fatal(err)
	}
	if a := tg.IAM; a == nil || a.ClusterID != "prod" || a.Region != "eu-west-1" || a.DbUser != "alice" || a.DbName != "dev" {
		t.Errorf("IAM = %+v", tg.IAM)
	}
	if strings.Contains(tg.ConnString, "iam") {
		t.Errorf("conn string keeps the IAM parameters: %s", tg.ConnString)
	}
	for in, msg := range map[string]string{
		"postgres://a@h/db?table=t&iam=true":                        "for redshift://",
		"redshift://a@h.example.com/db?table=t&iam=true":            "cluster_id=",
		"redshift://h.example.com/db?table=t&iam=true&cluster_id=c": "needs the database user",
		"redshift://a@h/db?table=t&cluster_id=c":                    "needs iam=true",
	} {
		if _, err := ParseURL(in); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("ParseURL(%s) = %v, want %q", in, err, msg)
		}
	}
}
