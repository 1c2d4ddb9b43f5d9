package ledger

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"
)

// Entity-group transactions write up to 100 records of one partition in
// one request, all or none: a page of hundreds of records costs a handful
// of requests instead of one each.
// (https://learn.microsoft.com/rest/api/storageservices/performing-entity-group-transactions)

// maxBatch is Table storage's limit of operations in one transaction.
const maxBatch = 100

// InsertAll inserts records that share a partition, a transaction per 100.
// A transaction that fails (a record in it exists, or storage refused it)
// is undone whole; its records come back in failed for the caller to
// insert one by one, which tells the existing from the new. Inserted
// records get ETag "*": the transaction answer carries no ETags, so their
// next write is unconditional.
func (t *Table[T, P]) InsertAll(ctx context.Context, vs []P) (failed []P, err error) {
	for start := 0; start < len(vs); start += maxBatch {
		chunk := vs[start:min(start+maxBatch, len(vs))]
		if err := t.submit(ctx, chunk, aztables.TransactionTypeAdd); err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			failed = append(failed, chunk...)
			continue
		}
		for _, v := range chunk {
			v.row().ETag = azcore.ETagAny
		}
	}
	return failed, nil
}

// ReplaceAll writes records that share a partition whatever is stored, a
// transaction per 100. For records only their writer changes (the holder
// of a lease over all of them).
func (t *Table[T, P]) ReplaceAll(ctx context.Context, vs []P) error {
	for start := 0; start < len(vs); start += maxBatch {
		chunk := vs[start:min(start+maxBatch, len(vs))]
		if err := t.submit(ctx, chunk, aztables.TransactionTypeInsertReplace); err != nil {
			return err
		}
		for _, v := range chunk {
			v.row().ETag = azcore.ETagAny
		}
	}
	return nil
}

func (t *Table[T, P]) submit(ctx context.Context, vs []P, kind aztables.TransactionType) error {
	actions := make([]aztables.TransactionAction, 0, len(vs))
	for _, v := range vs {
		body, err := json.Marshal(v)
		if err != nil {
			return err
		}
		actions = append(actions, aztables.TransactionAction{ActionType: kind, Entity: body})
	}
	if _, err := t.client.SubmitTransaction(ctx, actions, nil); err != nil {
		return fmt.Errorf("transaction of %d records in %s: %w", len(vs), vs[0].row().PartitionKey, err)
	}
	return nil
}
