package graphdouble

import (
	"crypto/rand"
	"fmt"
	"math/big"
)

// newID returns a random version-4 UUID, the shape of Graph object ids.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// tapAlphabet resembles Entra's passes: letters, digits and a few symbols,
// without look-alikes. Tests must not depend on the exact alphabet.
const tapAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789#$%&*+=?@"

// newTAPValue draws a pass from crypto/rand so tests cannot accidentally
// rely on a predictable value.
func newTAPValue(length int) string {
	out := make([]byte, length)
	limit := big.NewInt(int64(len(tapAlphabet)))
	for i := range out {
		n, err := rand.Int(rand.Reader, limit)
		if err != nil {
			panic(err) // crypto/rand never fails on supported platforms
		}
		out[i] = tapAlphabet[n.Int64()]
	}
	return string(out)
}
