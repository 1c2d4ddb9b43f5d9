package graph

import (
	"context"
	"fmt"
)

// maxPages bounds a collection walk; a loop of nextLinks must not run forever.
const maxPages = 1000

type page interface{ GetOdataNextLink() *string }

// walk reads a paged collection: first fetches page one, next follows an
// @odata.nextLink, each consumes a page. Every fetch retries on its own.
func walk[P page](ctx context.Context, c *Client, op string,
	first func(context.Context) (P, error), next func(context.Context, string) (P, error), each func(P)) error {
	link := ""
	for n := 0; n < maxPages; n++ {
		var p P
		err := c.do(ctx, op, idempotent, func(ctx context.Context) (err error) {
			if link == "" {
				p, err = first(ctx)
			} else {
				p, err = next(ctx, link)
			}
			return err
		})
		if err != nil {
			return err
		}
		each(p)
		if link = deref(p.GetOdataNextLink()); link == "" {
			return nil
		}
	}
	return fmt.Errorf("%s: more than %d pages, refusing to continue", op, maxPages)
}
