package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/jakelu/jakelu/transport"
	"github.com/jakelu/jakelu/transport/dkim"
)

// dkimFlags are send's DKIM signing flags.
type dkimFlags struct {
	domain, selector, key string
}

// register adds the flags to fs.
func (f *dkimFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.domain, "dkim-domain", "", "sign every e-mail with DKIM for this `DOMAIN` (d=); needs --dkim-selector and --dkim-key")
	fs.StringVar(&f.selector, "dkim-selector", "", "the DKIM `SELECTOR` (s=): the key's record is at SELECTOR._domainkey.DOMAIN")
	fs.StringVar(&f.key, "dkim-key", "", "the DKIM private key, a PEM `FILE` (RSA of 2048 bits and up, or Ed25519; jakelu dkim-keygen writes one)")
}

// check returns a usage error unless all three flags or none are given.
func (f *dkimFlags) check() error {
	n := 0
	for _, v := range []string{f.domain, f.selector, f.key} {
		if v != "" {
			n++
		}
	}
	if n != 0 && n != 3 {
		return errors.New("give all of --dkim-domain, --dkim-selector and --dkim-key, or none")
	}
	return nil
}

// wrap returns tr signing every message with the key, or tr itself
// without the flags. A key that cannot be used is a configuration error.
// It warns on stderr when from's domain is not DOMAIN or under it: DMARC
// then does not count the signature as the sender's.
func (f *dkimFlags) wrap(tr transport.Transport, from string, stderr io.Writer) (transport.Transport, error) {
	if f.domain == "" {
		return tr, nil
	}
	priv, err := dkim.ReadKeyFile(f.key)
	if err != nil {
		return nil, fmt.Errorf("--dkim-key: %w", err)
	}
	k := dkim.Key{Domain: strings.ToLower(f.domain), Selector: f.selector, Private: priv}
	if err := k.Check(); err != nil {
		return nil, err
	}
	fromDomain := strings.ToLower(from[strings.LastIndexByte(from, '@')+1:])
	if fromDomain != k.Domain && !strings.HasSuffix(fromDomain, "."+k.Domain) {
		fmt.Fprintf(stderr, "jakelu send: warning: --from %s is not in --dkim-domain %s: DMARC will not count the signature as the sender's\n", from, k.Domain)
	}
	// One key from the command line signs every message.
	return dkim.New(tr, dkim.Static{"*": {k}}, nil)
}

// dkimKeygenHelp is dkim-keygen's help after the flags.
const dkimKeygenHelp = `
The private key is written to --out FILE (PKCS#8 PEM, mode 0600; an existing
file is never overwritten); the DNS TXT record to publish is printed on
stdout, in zone-file form with the value split into strings of at most 255
octets. Publish it, then send with
  jakelu send --dkim-domain DOMAIN --dkim-selector SELECTOR --dkim-key FILE ...
Exit status: 0 written, 1 the key could not be written, 2 usage error.
`

// runDKIMKeygen implements "jakelu dkim-keygen".
func runDKIMKeygen(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("dkim-keygen", "dkim-keygen --domain DOMAIN --selector SELECTOR --out FILE [--ed25519]", stderr)
	withEpilogue(fs, stderr, dkimKeygenHelp)
	domain := fs.String("domain", "", "the signing `DOMAIN` (d=), e.g. example.fi")
	selector := fs.String("selector", "", "the `SELECTOR` (s=), e.g. jakelu2026")
	out := fs.String("out", "", "write the private key into this new PEM `FILE`")
	ed := fs.Bool("ed25519", false, "make an Ed25519 key (RFC 8463) instead of RSA-2048; not every receiver verifies Ed25519 yet, so publish an RSA key too")
	pos, err := parseArgs(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		return exitUsage
	}
	usage := func(msg string) int {
		fs.Usage()
		fmt.Fprintf(stderr, "\njakelu dkim-keygen: %s\n", msg)
		return exitUsage
	}
	switch {
	case len(pos) > 0:
		return usage("unexpected arguments " + strings.Join(pos, " "))
	case *domain == "" || *selector == "" || *out == "":
		return usage("give --domain, --selector and --out")
	}
	priv, pemData, err := dkim.GenerateKey(*ed)
	if err != nil {
		fmt.Fprintf(stderr, "jakelu dkim-keygen: %v\n", err)
		return exitNotSent
	}
	k := dkim.Key{Domain: strings.ToLower(*domain), Selector: *selector, Private: priv}
	if err := k.Check(); err != nil {
		return usage(err.Error())
	}
	rec, err := dkim.Record(priv.Public())
	if err != nil {
		fmt.Fprintf(stderr, "jakelu dkim-keygen: %v\n", err)
		return exitNotSent
	}
	if err := writeNew(*out, pemData); err != nil {
		fmt.Fprintf(stderr, "jakelu dkim-keygen: cannot write the key: %v\n", err)
		return exitNotSent
	}
	fmt.Fprintf(stdout, "; the DNS TXT record of the key in %s\n", *out)
	fmt.Fprintf(stdout, "%s._domainkey.%s. IN TXT ( %s )\n", k.Selector, k.Domain, zoneStrings(rec))
	return exitOK
}

// writeNew writes data into the new file name (mode 0600), failing when
// it exists.
func writeNew(name string, data []byte) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(name)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(name)
		return err
	}
	return nil
}

// zoneStrings quotes s as zone-file character strings of at most 255
// octets each (a DNS TXT string's limit).
func zoneStrings(s string) string {
	var parts []string
	for len(s) > 255 {
		parts = append(parts, `"`+s[:255]+`"`)
		s = s[255:]
	}
	return strings.Join(append(parts, `"`+s+`"`), " ")
}
