package resultfiles

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// FirstYear returns the earliest year=YYYY partition of rule results under
// an s3:// location, for the start of a partition-projection range, and
// false when the location holds no results yet. It lists with a delimiter,
// so it reads one page of year prefixes, never the result files.
func FirstYear(ctx context.Context, location string, client *s3.Client) (int, bool, error) {
	loc, err := ParseLocation(location)
	if err != nil {
		return 0, false, err
	}
	if !loc.IsS3() {
		return 0, false, fmt.Errorf("%s is not an s3:// location", location)
	}
	first, found := 0, false
	p := s3.NewListObjectsV2Paginator(client, &s3.ListObjectsV2Input{
		Bucket:    aws.String(loc.Bucket),
		Prefix:    aws.String(loc.Prefix + "year="),
		Delimiter: aws.String("/"),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return 0, false, fmt.Errorf("listing %syear=*: %w", loc, err)
		}
		for _, cp := range page.CommonPrefixes {
			y := strings.TrimSuffix(strings.TrimPrefix(aws.ToString(cp.Prefix), loc.Prefix+"year="), "/")
			n, err := strconv.Atoi(y)
			if err != nil || len(y) != 4 {
				continue // not a partition dq wrote
			}
			if !found || n < first {
				first, found = n, true
			}
		}
	}
	return first, found, nil
}
