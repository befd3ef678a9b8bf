package postgres

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/redshift"
)

// IAMAuth asks Redshift for temporary database credentials
// (GetClusterCredentials) with the caller's AWS identity instead of a
// stored password: redshift://user@cluster.id.region.redshift.amazonaws.com/db?table=t&iam=true.
// The URL's user is the database user (DbUser); Redshift answers with
// the login name ("IAM:user") and a password valid for 15 minutes.
type IAMAuth struct {
	ClusterID  string   // cluster_id=, default the host name's first label
	Region     string   // region=, default the host name's third label
	DbUser     string   // the URL's user
	DbName     string   // the URL's database
	AutoCreate bool     // auto_create=true: create the user if missing
	DbGroups   []string // db_groups=a,b: groups the user joins for the session
}

// iamParams are the URL parameters IAM authentication takes; they are
// removed before pgx sees the URL (it would send them to the server).
var iamParams = []string{"iam", "cluster_id", "region", "auto_create", "db_groups"}

// parseIAM reads the IAM parameters of a redshift:// URL (nil: iam is
// not set) and removes them from q.
func parseIAM(u *url.URL, q url.Values, redshiftURL bool) (*IAMAuth, error) {
	defer func() {
		for _, p := range iamParams {
			q.Del(p)
		}
	}()
	if q.Get("iam") != "true" {
		for _, p := range iamParams {
			if q.Has(p) && (p != "iam" || q.Get(p) != "false") {
				return nil, fmt.Errorf("parameter %s needs iam=true", p)
			}
		}
		return nil, nil
	}
	if !redshiftURL {
		return nil, fmt.Errorf("iam=true is for redshift:// URLs (Redshift's GetClusterCredentials)")
	}
	a := &IAMAuth{ClusterID: q.Get("cluster_id"), Region: q.Get("region"), DbUser: u.User.Username(),
		DbName: strings.Trim(u.Path, "/"), AutoCreate: q.Get("auto_create") == "true"}
	if g := q.Get("db_groups"); g != "" {
		a.DbGroups = strings.Split(g, ",")
	}
	// mycluster.abc123xyz.eu-west-1.redshift.amazonaws.com
	labels := strings.Split(u.Hostname(), ".")
	if a.ClusterID == "" && len(labels) >= 4 && labels[3] == "redshift" {
		a.ClusterID = labels[0]
	}
	if a.Region == "" && len(labels) >= 4 && labels[3] == "redshift" {
		a.Region = labels[2]
	}
	switch {
	case a.DbUser == "":
		return nil, fmt.Errorf("iam=true needs the database user in the URL (redshift://USER@host/db)")
	case a.ClusterID == "":
		return nil, fmt.Errorf("iam=true: the host is not a cluster endpoint (CLUSTER.ID.REGION.redshift.amazonaws.com)\n  hint: add cluster_id=NAME (and region=REGION)")
	}
	return a, nil
}

// credentials calls GetClusterCredentials. cfg nil loads the default AWS
// configuration (environment, shared files, instance role).
func (a *IAMAuth) credentials(ctx context.Context, cfg *aws.Config) (user, password string, err error) {
	if cfg == nil {
		c, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			return "", "", fmt.Errorf("loading AWS configuration for Redshift IAM authentication: %w", err)
		}
		cfg = &c
	}
	client := redshift.NewFromConfig(*cfg, func(o *redshift.Options) {
		if a.Region != "" {
			o.Region = a.Region
		}
	})
	in := &redshift.GetClusterCredentialsInput{DbUser: aws.String(a.DbUser), ClusterIdentifier: aws.String(a.ClusterID),
		DbName: aws.String(a.DbName), DbGroups: a.DbGroups}
	if a.AutoCreate {
		in.AutoCreate = aws.Bool(true)
	}
	out, err := client.GetClusterCredentials(ctx, in)
	if err != nil {
		return "", "", fmt.Errorf("Redshift GetClusterCredentials for user %s on cluster %s: %w", a.DbUser, a.ClusterID, err)
	}
	return aws.ToString(out.DbUser), aws.ToString(out.DbPassword), nil
}
