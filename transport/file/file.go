package file

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/jakelu/jakelu/transport"
)

// Options configures a [Transport]. A nil *Options means the defaults.
type Options struct {
	// Perm is the permission of the files written; default 0o600, as
	// messages carry personal data.
	Perm fs.FileMode
}

// Transport writes messages as .eml files into one folder. Create it with
// [New]: Send on a nil or zero Transport writes nothing and leaves every
// recipient Deferred with an error matching [transport.ErrNoTransport].
type Transport struct {
	dir  string
	perm fs.FileMode
}

var _ transport.RawSender = (*Transport)(nil)

// New returns a Transport writing into dir, creating the folder (and its
// parents) when it does not exist. It fails when dir exists but is not a
// folder, or cannot be created.
func New(dir string, opts *Options) (*Transport, error) {
	if dir == "" {
		return nil, errors.New("file: no folder given; name the folder to write messages into")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("file: cannot use folder for messages: %w", err)
	}
	t := &Transport{dir: dir, perm: 0o600}
	if opts != nil && opts.Perm != 0 {
		t.perm = opts.Perm
	}
	return t, nil
}

// Send writes msg into the folder as described in the package
// documentation.
func (t *Transport) Send(ctx context.Context, msg *transport.Message) (*transport.Receipt, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	c, err := transport.Compose(msg, &transport.ComposeOptions{SMTPUTF8: true, Bcc: true})
	if err != nil {
		return transport.Refuse(msg, err)
	}
	return t.send(ctx, c)
}

// ComposeOptions returns the options Send composes with: SMTPUTF8
// allowed, and a Bcc header. It implements [transport.RawSender].
func (t *Transport) ComposeOptions() transport.ComposeOptions {
	return transport.ComposeOptions{SMTPUTF8: true, Bcc: true}
}

// SendComposed writes c.Data as is (e.g. a message signed by package
// transport/dkim) exactly as Send writes a message it composed; a c that
// [transport.CheckComposed] refuses is refused at
// [transport.StageCompose]. It implements [transport.RawSender].
func (t *Transport) SendComposed(ctx context.Context, c *transport.Composed) (*transport.Receipt, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if err := transport.CheckComposed(c); err != nil {
		return transport.RefuseComposed(c, err)
	}
	return t.send(ctx, c)
}

// send writes the composed message c.
func (t *Transport) send(ctx context.Context, c *transport.Composed) (*transport.Receipt, error) {
	if t == nil || t.dir == "" {
		rc := c.Receipt(transport.RecipientResult{Outcome: transport.Deferred, Stage: transport.StageConnect,
			Err: fmt.Errorf("file: the Transport was not created by New: %w", transport.ErrNoTransport)})
		return rc, rc.Err()
	}
	if err := ctx.Err(); err != nil {
		rc := c.Receipt(transport.RecipientResult{Outcome: transport.Deferred, Stage: transport.StageConnect, Err: err})
		return rc, rc.Err()
	}
	if err := t.write(c); err != nil {
		rc := c.Receipt(transport.RecipientResult{Outcome: transport.Deferred, Stage: transport.StageData, Err: err})
		return rc, rc.Err()
	}
	rc := c.Receipt(transport.RecipientResult{Outcome: transport.Delivered, Stage: transport.StageFinal})
	return rc, nil
}

// write writes the message to a temporary file and links it into place
// under the first free name.
func (t *Transport) write(c *transport.Composed) (err error) {
	tmp, err := os.CreateTemp(t.dir, ".tmp-*.eml")
	if err != nil {
		return err
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	if _, err := tmp.Write(c.Data); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Chmod(t.perm); err != nil {
		return err
	}
	base := fileName(c.MessageID)
	for n := 1; ; n++ {
		name := base + ".eml"
		if n > 1 {
			name = fmt.Sprintf("%s-%d.eml", base, n)
		}
		err := os.Link(tmp.Name(), filepath.Join(t.dir, name))
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return err
		}
		if d, err := os.Open(t.dir); err == nil {
			d.Sync() // make the new name durable where the platform allows
			d.Close()
		}
		return nil
	}
}

// fileName makes a safe file name of a Message-ID (which Compose has
// checked to be dot-atoms, so it starts with no dot): letters, digits and
// ".-_@+" kept, anything else "_", at most 200 octets.
func fileName(id string) string {
	b := []byte(id)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(".-_@+", c) >= 0) {
			b[i] = '_'
		}
	}
	if len(b) > 200 {
		b = b[:200]
	}
	return string(b)
}
