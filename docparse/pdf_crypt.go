package docparse

import (
	"bytes"
	"cmp"
	"crypto/aes"
	"crypto/cipher"
	"crypto/md5"
	"crypto/rc4"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"hash"
)

// pdfCrypt decrypts the strings and streams of a PDF encrypted by the
// standard security handler (revisions 2 to 6: RC4 40 to 128 bits,
// AES-128, AES-256) with the empty user password, which is how a PDF that
// every reader opens without asking is encrypted.
type pdfCrypt struct {
	key     []byte
	v       int
	stmAES  bool // the default stream method is AES (else RC4, unless identity)
	strAES  bool
	stmNone bool // the Identity crypt filter: streams are not encrypted
	strNone bool
	effAES  bool // the embedded-file method (/EFF), default the stream's
	effNone bool
}

// padding is the password padding of the standard security handler.
var padding = []byte{
	0x28, 0xBF, 0x4E, 0x5E, 0x4E, 0x75, 0x8A, 0x41, 0x64, 0x00, 0x4E, 0x56, 0xFF, 0xFA, 0x01, 0x08,
	0x2E, 0x2E, 0x00, 0xB6, 0xD0, 0x68, 0x3E, 0x80, 0x2F, 0x0C, 0xA9, 0xFE, 0x64, 0x53, 0x69, 0x7A,
}

// encryptedError is the pdf-encrypted error.
func encryptedError(why string) error {
	return newError(CodePDFEncrypted, nil, "the PDF is encrypted %s, so its embedded invoice cannot be read; send the invoice XML itself, or a PDF without password protection", why)
}

// setupCrypt reads the trailer's /Encrypt dictionary, if any, and checks
// the empty user password.
func (f *pdfFile) setupCrypt() error {
	ref, _ := f.trailer["Encrypt"].(pdfRef)
	enc := f.dict(f.trailer["Encrypt"])
	if enc == nil {
		if f.trailer["Encrypt"] != nil {
			return encryptedError("with an encryption dictionary that cannot be read")
		}
		return nil
	}
	f.encRef = ref
	if filter := enc.name("Filter"); filter != "Standard" {
		return encryptedError(fmt.Sprintf("for the security handler /%s (certificates), not with a password", filter))
	}
	v, _ := enc.int("V")
	r, _ := enc.int("R")
	o, _ := enc["O"].(pdfString)
	u, _ := enc["U"].(pdfString)
	p, _ := enc.int("P")
	var id0 []byte
	if ids, ok := f.resolve(f.trailer["ID"]).(pdfArray); ok && len(ids) > 0 {
		s, _ := f.resolve(ids[0]).(pdfString)
		id0 = []byte(s)
	}
	encryptMetadata := true
	if b, ok := enc["EncryptMetadata"].(bool); ok {
		encryptMetadata = b
	}
	c := &pdfCrypt{v: v}
	switch {
	case r >= 2 && r <= 4 && (v == 1 || v == 2 || v == 4):
		n := 5
		if r >= 3 {
			bits, ok := enc.int("Length")
			if !ok {
				bits = 40
			}
			if v == 4 {
				bits = 128
			}
			if bits < 40 || bits > 128 || bits%8 != 0 {
				return encryptedError(fmt.Sprintf("with an unsupported key length of %d bits", bits))
			}
			n = bits / 8
		}
		if len(o) < 32 || len(u) < 32 {
			return encryptedError("with a damaged encryption dictionary")
		}
		c.key = legacyKey(nil, []byte(o[:32]), uint32(int32(p)), id0, r, n, encryptMetadata)
		if !legacyUserOK(c.key, []byte(u), id0, r) {
			return encryptedError("with a password to open it")
		}
	case (r == 5 || r == 6) && v == 5:
		if len(u) < 48 || len(enc.str("UE")) < 32 {
			return encryptedError("with a damaged encryption dictionary")
		}
		hash := func(pw, salt []byte) []byte {
			if r == 5 {
				h := sha256.Sum256(append(append([]byte{}, pw...), salt...))
				return h[:]
			}
			return hash2B(pw, salt, nil)
		}
		if !bytes.Equal(hash(nil, []byte(u[32:40])), []byte(u[:32])) {
			return encryptedError("with a password to open it")
		}
		ik := hash(nil, []byte(u[40:48]))
		block, err := aes.NewCipher(ik)
		if err != nil {
			return encryptedError("with a damaged encryption dictionary")
		}
		ue := []byte(enc.str("UE")[:32])
		c.key = make([]byte, 32)
		cipher.NewCBCDecrypter(block, make([]byte, 16)).CryptBlocks(c.key, ue)
	default:
		return encryptedError(fmt.Sprintf("with an unsupported method (V %d, R %d)", v, r))
	}
	if v == 4 || v == 5 {
		method := func(name pdfName) (aesOn, none bool, err error) {
			if name == "" || name == "Identity" {
				return false, true, nil
			}
			cf := f.dict(f.dict(enc["CF"])[name])
			switch cf.name("CFM") {
			case "V2":
				return false, false, nil
			case "AESV2", "AESV3":
				return true, false, nil
			case "None":
				return false, true, nil
			}
			return false, false, encryptedError(fmt.Sprintf("with the unsupported crypt filter /%s", name))
		}
		var err1, err2, err3 error
		c.stmAES, c.stmNone, err1 = method(enc.name("StmF"))
		c.strAES, c.strNone, err2 = method(enc.name("StrF"))
		c.effAES, c.effNone = c.stmAES, c.stmNone
		if eff := enc.name("EFF"); eff != "" {
			c.effAES, c.effNone, err3 = method(eff)
		}
		if err := cmp.Or(err1, err2, err3); err != nil {
			return err
		}
	}
	f.crypt = c
	// Objects read before the key was known are read again, decrypted.
	clear(f.cache)
	clear(f.objstms)
	return nil
}

func (d pdfDict) str(k pdfName) pdfString { s, _ := d[k].(pdfString); return s }

// legacyKey is algorithm 2: the file key from a password (revisions 2–4).
func legacyKey(pw, o []byte, p uint32, id0 []byte, r, n int, encryptMetadata bool) []byte {
	h := md5.New()
	h.Write(append(append([]byte{}, pw...), padding[:32-min(len(pw), 32)]...))
	h.Write(o)
	h.Write([]byte{byte(p), byte(p >> 8), byte(p >> 16), byte(p >> 24)})
	h.Write(id0)
	if r >= 4 && !encryptMetadata {
		h.Write([]byte{0xff, 0xff, 0xff, 0xff})
	}
	key := h.Sum(nil)
	if r >= 3 {
		for range 50 {
			s := md5.Sum(key[:n])
			key = s[:]
		}
	}
	return key[:n]
}

// legacyUserOK is algorithms 4 and 5: whether key opens the file.
func legacyUserOK(key, u, id0 []byte, r int) bool {
	if r == 2 {
		out := make([]byte, 32)
		rc, _ := rc4.NewCipher(key)
		rc.XORKeyStream(out, padding)
		return bytes.Equal(out, u[:32])
	}
	h := md5.New()
	h.Write(padding)
	h.Write(id0)
	out := h.Sum(nil)
	k := make([]byte, len(key))
	for i := range 20 {
		for j := range key {
			k[j] = key[j] ^ byte(i)
		}
		rc, _ := rc4.NewCipher(k)
		rc.XORKeyStream(out, out)
	}
	return bytes.Equal(out, u[:16])
}

// hash2B is algorithm 2.B of ISO 32000-2 (revision 6).
func hash2B(pw, salt, udata []byte) []byte {
	h := sha256.Sum256(append(append(append([]byte{}, pw...), salt...), udata...))
	k := h[:]
	for round := 0; ; round++ {
		seq := append(append(append([]byte{}, pw...), k...), udata...)
		k1 := bytes.Repeat(seq, 64)
		block, _ := aes.NewCipher(k[:16])
		e := make([]byte, len(k1))
		cipher.NewCBCEncrypter(block, k[16:32]).CryptBlocks(e, k1)
		sum := 0
		for _, b := range e[:16] {
			sum += int(b)
		}
		var hh hash.Hash
		switch sum % 3 {
		case 0:
			hh = sha256.New()
		case 1:
			hh = sha512.New384()
		default:
			hh = sha512.New()
		}
		hh.Write(e)
		k = hh.Sum(nil)
		if round >= 63 && int(e[len(e)-1]) <= round-31 {
			break
		}
	}
	return k[:32]
}

// objectKey is algorithm 1: the key for the strings and streams of object
// num (AES-256 uses the file key itself).
func (c *pdfCrypt) objectKey(num int, aesOn bool) []byte {
	if c.v == 5 {
		return c.key
	}
	h := md5.New()
	h.Write(c.key)
	h.Write([]byte{byte(num), byte(num >> 8), byte(num >> 16), 0, 0})
	if aesOn {
		h.Write([]byte("sAlT"))
	}
	return h.Sum(nil)[:min(len(c.key)+5, 16)]
}

// decrypt decrypts data of object num with RC4 or AES-CBC (the IV first,
// PKCS#7 padding).
func (c *pdfCrypt) decrypt(data []byte, num int, aesOn bool) ([]byte, error) {
	key := c.objectKey(num, aesOn)
	if !aesOn {
		out := make([]byte, len(data))
		rc, _ := rc4.NewCipher(key)
		rc.XORKeyStream(out, data)
		return out, nil
	}
	if len(data) < 16 || len(data)%16 != 0 {
		return nil, errors.New("the AES-encrypted data is not a whole number of blocks")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	out := make([]byte, len(data)-16)
	cipher.NewCBCDecrypter(block, data[:16]).CryptBlocks(out, data[16:])
	if len(out) == 0 {
		return out, nil
	}
	pad := int(out[len(out)-1])
	if pad < 1 || pad > 16 || pad > len(out) {
		return nil, errors.New("the AES-encrypted data has invalid padding")
	}
	return out[:len(out)-pad], nil
}

// decryptStream decrypts the data of stream s with the method its type
// calls for; cross-reference streams are never encrypted.
func (c *pdfCrypt) decryptStream(s *pdfStream) ([]byte, error) {
	data := s.raw
	aesOn, none := c.stmAES, c.stmNone
	switch s.dict.name("Type") {
	case "XRef":
		none = true
	case "EmbeddedFile":
		aesOn, none = c.effAES, c.effNone
	}
	if f, ok := s.dict["Filter"].(pdfArray); ok && len(f) > 0 && f[0] == pdfName("Crypt") {
		none = true // the stream names its own crypt filter: Identity only
	}
	if none {
		if !s.exact {
			data = trimEOL(data)
		}
		return data, nil
	}
	if !s.exact {
		data = trimEOL(data)
		if aesOn && len(data)%16 != 0 {
			data = s.raw[:len(s.raw)/16*16]
		}
	}
	return c.decrypt(data, s.ref.num, aesOn)
}

// decryptStrings decrypts every string in v, the value of object num.
func (c *pdfCrypt) decryptStrings(v any, num int) any {
	if c.strNone {
		return v
	}
	switch x := v.(type) {
	case pdfString:
		out, err := c.decrypt([]byte(x), num, c.strAES)
		if err != nil {
			return pdfString("")
		}
		return pdfString(out)
	case pdfArray:
		for i := range x {
			x[i] = c.decryptStrings(x[i], num)
		}
	case pdfDict:
		for k, e := range x {
			x[k] = c.decryptStrings(e, num)
		}
	case *pdfStream:
		c.decryptStrings(x.dict, num)
	}
	return v
}
