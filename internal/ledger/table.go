// Package ledger keeps the state of long-running work in Azure Table
// storage (Azurite locally), so a crash, a redelivered message or a second
// instance resumes where the work stopped instead of repeating it.
//
// Every write is conditional: a first record is inserted only if absent
// (Table storage answers 409 to the loser) and every later update carries
// the ETag the writer read (412 to the loser). Records never hold a
// secret: no pass, no token, no phone number.
package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"

	"github.com/passkeyfirst/entra-mfa-recovery/internal/storage"
)

// Errors of conditional writes.
var (
	ErrExists   = errors.New("ledger: record already exists")
	ErrNotFound = errors.New("ledger: record not found")
	ErrConflict = errors.New("ledger: record changed since it was read")
)

// Row is embedded by every record: its keys and the ETag of the version
// last read or written.
type Row struct {
	PartitionKey string      `json:"PartitionKey"`
	RowKey       string      `json:"RowKey"`
	ETag         azcore.ETag `json:"-"`
}

func (r *Row) row() *Row { return r }

// Record is a pointer to a struct embedding Row.
type Record[T any] interface {
	*T
	row() *Row
}

// Table stores records of one type.
type Table[T any, P Record[T]] struct {
	client *aztables.Client
}

// ServiceClient builds a Table service client from a connection string
// (UseDevelopmentStorage=true included).
func ServiceClient(conn string) (*aztables.ServiceClient, error) {
	resolved, err := storage.ResolveConnectionString(conn)
	if err != nil {
		return nil, err
	}
	c, err := aztables.NewServiceClientFromConnectionString(resolved, &aztables.ClientOptions{ClientOptions: storage.ClientOptions()})
	if err != nil {
		return nil, fmt.Errorf("table client from connection string: %w", err)
	}
	return c, nil
}

// ServiceClientWithCredential is for identity-based storage settings.
func ServiceClientWithCredential(serviceURL string, cred azcore.TokenCredential) (*aztables.ServiceClient, error) {
	u, err := url.Parse(serviceURL)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("table service URL %q: want https://<account>.table.core.windows.net", serviceURL)
	}
	return aztables.NewServiceClient(serviceURL, cred, &aztables.ClientOptions{ClientOptions: storage.ClientOptions()})
}

// Open returns the named table, creating it if missing.
func Open[T any, P Record[T]](ctx context.Context, svc *aztables.ServiceClient, name string) (*Table[T, P], error) {
	client := svc.NewClient(name)
	if _, err := client.CreateTable(ctx, nil); err != nil && statusOf(err) != http.StatusConflict {
		return nil, fmt.Errorf("create table %s: %w", name, err)
	}
	return &Table[T, P]{client: client}, nil
}

// Insert writes v if no record has its keys; ErrExists otherwise.
func (t *Table[T, P]) Insert(ctx context.Context, v P) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	resp, err := t.client.AddEntity(ctx, body, nil)
	if statusOf(err) == http.StatusConflict {
		return ErrExists
	}
	if err != nil {
		return fmt.Errorf("insert %s/%s: %w", v.row().PartitionKey, v.row().RowKey, err)
	}
	v.row().ETag = resp.ETag
	return nil
}

// Get reads a record; ErrNotFound when absent.
func (t *Table[T, P]) Get(ctx context.Context, pk, rk string) (P, error) {
	resp, err := t.client.GetEntity(ctx, pk, rk, nil)
	if statusOf(err) == http.StatusNotFound {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get %s/%s: %w", pk, rk, err)
	}
	v := P(new(T))
	if err := json.Unmarshal(resp.Value, v); err != nil {
		return nil, fmt.Errorf("decode %s/%s: %w", pk, rk, err)
	}
	v.row().ETag = resp.ETag
	return v, nil
}

// Update replaces the record if it is still the version v was read as;
// ErrConflict when someone else wrote it since.
func (t *Table[T, P]) Update(ctx context.Context, v P) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	etag := v.row().ETag
	resp, err := t.client.UpdateEntity(ctx, body, &aztables.UpdateEntityOptions{IfMatch: &etag, UpdateMode: aztables.UpdateModeReplace})
	switch statusOf(err) {
	case 0:
	case http.StatusPreconditionFailed:
		return ErrConflict
	case http.StatusNotFound:
		return ErrNotFound
	default:
		return fmt.Errorf("update %s/%s: %w", v.row().PartitionKey, v.row().RowKey, err)
	}
	v.row().ETag = resp.ETag
	return nil
}

// Upsert writes v whatever is stored (for records whose latest write
// simply wins, like a membership's start time).
func (t *Table[T, P]) Upsert(ctx context.Context, v P) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	resp, err := t.client.UpsertEntity(ctx, body, &aztables.UpsertEntityOptions{UpdateMode: aztables.UpdateModeReplace})
	if err != nil {
		return fmt.Errorf("upsert %s/%s: %w", v.row().PartitionKey, v.row().RowKey, err)
	}
	v.row().ETag = resp.ETag
	return nil
}

// Delete removes the record if it is still the version v was read as.
func (t *Table[T, P]) Delete(ctx context.Context, v P) error {
	etag := v.row().ETag
	_, err := t.client.DeleteEntity(ctx, v.row().PartitionKey, v.row().RowKey, &aztables.DeleteEntityOptions{IfMatch: &etag})
	switch statusOf(err) {
	case 0, http.StatusNotFound:
		return nil
	case http.StatusPreconditionFailed:
		return ErrConflict
	}
	return fmt.Errorf("delete %s/%s: %w", v.row().PartitionKey, v.row().RowKey, err)
}

// List returns every record matching an OData filter ("" for all).
func (t *Table[T, P]) List(ctx context.Context, filter string) ([]P, error) {
	opts := &aztables.ListEntitiesOptions{}
	if filter != "" {
		opts.Filter = &filter
	}
	var out []P
	pager := t.client.NewListEntitiesPager(opts)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list: %w", err)
		}
		for _, raw := range page.Entities {
			v := P(new(T))
			if err := json.Unmarshal(raw, v); err != nil {
				return nil, fmt.Errorf("decode listed record: %w", err)
			}
			var meta struct {
				ETag string `json:"odata.etag"`
			}
			if json.Unmarshal(raw, &meta) == nil {
				v.row().ETag = azcore.ETag(meta.ETag)
			}
			out = append(out, v)
		}
	}
	return out, nil
}

// statusOf returns the HTTP status of a storage error, 0 for nil.
func statusOf(err error) int {
	if err == nil {
		return 0
	}
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		return re.StatusCode
	}
	return -1
}
