package s3source

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/logging"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Client is an S3 client that follows buckets to their region: a bucket
// in another region than the configured one answers with its region in
// x-amz-bucket-region, and the request is repeated there once.
type Client struct {
	cfg       aws.Config
	pathStyle bool

	mu      sync.Mutex
	regions map[string]string     // bucket → region, once discovered
	clients map[string]*s3.Client // by region
}

// NewClient makes a Client from an SDK configuration (the default
// credential chain: aws config.LoadDefaultConfig). With an endpoint
// override (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_S3, cfg.BaseEndpoint) it
// addresses buckets path-style, as S3-compatible stores expect.
func NewClient(cfg aws.Config) *Client {
	if cfg.Region == "" {
		// No region configured: start at us-east-1, as the AWS CLI does
		// for S3; a bucket elsewhere answers with its region, which is
		// then followed.
		cfg.Region = "us-east-1"
	}
	cfg.Logger = QuietLogger(cfg.Logger)
	ps := cfg.BaseEndpoint != nil || os.Getenv("AWS_ENDPOINT_URL_S3") != "" || os.Getenv("AWS_ENDPOINT_URL") != ""
	return &Client{cfg: cfg, pathStyle: ps, regions: map[string]string{}, clients: map[string]*s3.Client{}}
}

func (c *Client) forRegion(region string) *s3.Client {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl, ok := c.clients[region]; ok {
		return cl
	}
	cl := s3.NewFromConfig(c.cfg, func(o *s3.Options) {
		o.UsePathStyle = o.UsePathStyle || c.pathStyle
		// Ranged GETs carry no whole-object checksum to validate; the
		// ETag check and exact lengths guard what is read.
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		if region != "" {
			o.Region = region
		}
	})
	c.clients[region] = cl
	return cl
}

// do runs fn with the client for bucket's region, discovering the region
// from a redirect when the configured one is wrong.
func (c *Client) do(ctx context.Context, bucket string, fn func(*s3.Client) error) error {
	c.mu.Lock()
	region := c.regions[bucket]
	c.mu.Unlock()
	err := fn(c.forRegion(region))
	if err == nil {
		return nil
	}
	if r := bucketRegionOf(err); r != "" && r != region && r != c.cfg.Region {
		c.mu.Lock()
		c.regions[bucket] = r
		c.mu.Unlock()
		return fn(c.forRegion(r))
	}
	return err
}

// bucketRegionOf returns the region an S3 error response names for the
// bucket (301 PermanentRedirect, 400 AuthorizationHeaderMalformed).
func bucketRegionOf(err error) string {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.Response != nil {
		switch re.Response.StatusCode {
		case http.StatusMovedPermanently, http.StatusBadRequest, http.StatusTemporaryRedirect:
			return re.Response.Header.Get("X-Amz-Bucket-Region")
		}
	}
	return ""
}

// Error is a failed S3 operation on one object, prefix or bucket, with a
// hint where one helps. It never holds credentials.
type Error struct {
	URL  string // s3://bucket/key
	Op   string // "listing", "reading", …
	Code string // S3 error code or HTTP status text
	Hint string
	Err  error
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("%s %s: %s", e.Op, e.URL, e.Code)
	if e.Hint != "" {
		msg += "; " + e.Hint
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// wrapErr turns an SDK error into an *Error naming url.
func wrapErr(op, url string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var already *Error
	if errors.As(err, &already) {
		return err
	}
	e := &Error{URL: url, Op: op, Err: err}
	var api smithy.APIError
	status := 0
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.Response != nil {
		status = re.Response.StatusCode
	}
	code := ""
	if errors.As(err, &api) {
		code = api.ErrorCode()
	}
	switch {
	case code == "NoSuchBucket":
		e.Code, e.Hint = "no such bucket", "check the bucket name (and the endpoint, AWS_ENDPOINT_URL)"
	case code == "NoSuchKey" || code == "NotFound" && op == "reading" || status == http.StatusNotFound:
		e.Code, e.Hint = "no such key", "check the path; a prefix ends in /"
	case code == "ExpiredToken" || code == "ExpiredTokenException" || code == "RequestExpired" || code == "TokenRefreshRequired":
		e.Code, e.Hint = "the AWS credentials have expired ("+code+")", "refresh them (aws sso login, or new session credentials)"
	case code == "RequestTimeTooSkewed":
		e.Code, e.Hint = "the request was refused: this machine's clock is off ("+code+")", "set the clock (NTP) and run again"
	case code == "InvalidAccessKeyId" || code == "SignatureDoesNotMatch" || code == "InvalidToken":
		e.Code, e.Hint = "the AWS credentials were rejected ("+code+")", "check AWS_PROFILE / AWS_ACCESS_KEY_ID"
	case code == "AccessDenied" || code == "AllAccessDisabled" || status == http.StatusForbidden && (code == "" || code == "Forbidden"):
		// A HEAD has no body, so a refusal arrives as a bare 403
		// ("Forbidden").
		e.Code, e.Hint = "access denied", "the credentials need s3:ListBucket on the bucket and s3:GetObject on the objects (and kms:Decrypt for SSE-KMS objects)"
	case code == "InvalidObjectState":
		e.Code, e.Hint = "the object is archived (S3 Glacier Flexible Retrieval or Deep Archive) and not restored", "restore it first, or leave it out with a glob or --partition"
	case code == "PreconditionFailed" || status == http.StatusPreconditionFailed:
		e.Code, e.Hint = "the object changed while it was being read (ETag mismatch)", "run again once writers have finished"
	case code != "":
		e.Code = code
		if msg := api.ErrorMessage(); msg != "" {
			e.Code += ": " + msg
		}
	case status != 0:
		e.Code = fmt.Sprintf("HTTP %d %s", status, http.StatusText(status))
	default:
		// No answer from S3 at all: the endpoint is unreachable, DNS
		// failed, the connection was refused, or no credentials were
		// found.
		e.Code = err.Error()
		if NoCredentials(err) {
			e.Code, e.Hint = "no AWS credentials found", NoCredentialsHint
		}
	}
	return e
}

// NoCredentialsHint says where the SDK's default chain looks.
const NoCredentialsHint = "set AWS_PROFILE (aws sso login) or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run with a role"

// NoCredentials reports an SDK error saying that the default credential
// chain found nothing (the SDK has no typed error for it).
func NoCredentials(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "failed to retrieve credentials") || strings.Contains(msg, "no EC2 IMDS role found") ||
		strings.Contains(msg, "failed to refresh cached credentials")
}

// QuietLogger wraps an SDK logger (nil: none) to drop the SDK's warnings that a response body could not be
// drained for connection reuse: they are about pooling, not the data (a
// run reading thousands of objects printed them on stderr, among dq's own
// messages). Every other line goes to next.
func QuietLogger(next logging.Logger) logging.Logger { return quietLogger{next: next} }

type quietLogger struct{ next logging.Logger }

func (q quietLogger) Logf(c logging.Classification, format string, v ...any) {
	if c == logging.Warn && strings.Contains(format, "HTTP response body, this may affect connection reuse") {
		return
	}
	if q.next != nil {
		q.next.Logf(c, format, v...)
	}
}
