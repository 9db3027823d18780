package demo

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
)

// passwordAlphabet has no look-alikes (no 0/O, 1/l/I), as the generated admin's.
const passwordAlphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// Password is the password of the demo staff account login on the server whose secret
// is secret: 16 characters drawn from an HMAC-SHA256 of the login under the secret.
// The same server always gives the same password, so loading the demo again can print
// it again without storing it in clear or changing it; another server, with another
// secret, gives another. It is for the demo's accounts only: anyone who holds the
// secret can compute them.
func Password(secret []byte, login string) string {
	var out [16]byte
	for i := range out {
		mac := hmac.New(sha256.New, secret)
		mac.Write([]byte("diemcau demo password\x00"))
		mac.Write([]byte(login))
		mac.Write([]byte{0, byte(i)})
		// 64 bits reduced modulo 56: the bias is below 2^-58.
		n := binary.BigEndian.Uint64(mac.Sum(nil))
		out[i] = passwordAlphabet[n%uint64(len(passwordAlphabet))]
	}
	return string(out[:])
}
