package graphdouble

import (
	"encoding/binary"
	"errors"
	"math"
)

// A minimal CBOR decoder (RFC 8949) for WebAuthn attestation objects: the
// double reads authData and the attestation format from them. It handles
// definite-length items only, which is what authenticators emit.

var errCBOR = errors.New("malformed CBOR")

// decodeCBOR decodes one item; rest is what follows it.
func decodeCBOR(b []byte) (v any, rest []byte, err error) {
	if len(b) == 0 {
		return nil, nil, errCBOR
	}
	major, info := b[0]>>5, b[0]&0x1f
	n, b, err := cborArg(info, b[1:])
	if err != nil {
		return nil, nil, err
	}
	switch major {
	case 0:
		return n, b, nil
	case 1:
		return -1 - int64(n), b, nil
	case 2, 3:
		if uint64(len(b)) < n {
			return nil, nil, errCBOR
		}
		if major == 2 {
			return b[:n], b[n:], nil
		}
		return string(b[:n]), b[n:], nil
	case 4:
		return cborArray(n, b)
	case 5:
		return cborMap(n, b)
	case 6:
		return decodeCBOR(b) // a tag: keep the tagged item
	default:
		return cborSimple(info, n, b)
	}
}

// cborArg reads the argument of an initial byte.
func cborArg(info byte, b []byte) (uint64, []byte, error) {
	switch {
	case info < 24:
		return uint64(info), b, nil
	case info == 24 && len(b) >= 1:
		return uint64(b[0]), b[1:], nil
	case info == 25 && len(b) >= 2:
		return uint64(binary.BigEndian.Uint16(b)), b[2:], nil
	case info == 26 && len(b) >= 4:
		return uint64(binary.BigEndian.Uint32(b)), b[4:], nil
	case info == 27 && len(b) >= 8:
		return binary.BigEndian.Uint64(b), b[8:], nil
	}
	return 0, nil, errCBOR // indefinite lengths and truncation
}

func cborArray(n uint64, b []byte) (any, []byte, error) {
	if n > uint64(len(b)) {
		return nil, nil, errCBOR
	}
	out := make([]any, 0, n)
	for range n {
		v, rest, err := decodeCBOR(b)
		if err != nil {
			return nil, nil, err
		}
		out, b = append(out, v), rest
	}
	return out, b, nil
}

// cborMap decodes a map; keys are kept as decoded (string, uint64, int64).
func cborMap(n uint64, b []byte) (any, []byte, error) {
	if n > uint64(len(b)) {
		return nil, nil, errCBOR
	}
	out := make(map[any]any, n)
	for range n {
		k, rest, err := decodeCBOR(b)
		if err != nil {
			return nil, nil, err
		}
		if _, ok := k.([]byte); ok {
			return nil, nil, errCBOR // unhashable key; not used by WebAuthn
		}
		v, rest, err := decodeCBOR(rest)
		if err != nil {
			return nil, nil, err
		}
		out[k], b = v, rest
	}
	return out, b, nil
}

func cborSimple(info byte, n uint64, b []byte) (any, []byte, error) {
	switch info {
	case 20:
		return false, b, nil
	case 21:
		return true, b, nil
	case 22, 23:
		return nil, b, nil
	case 26:
		return float64(math.Float32frombits(uint32(n))), b, nil
	case 27:
		return math.Float64frombits(n), b, nil
	}
	return nil, nil, errCBOR
}
