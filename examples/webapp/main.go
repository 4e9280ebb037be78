package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/jakelu/jakelu/examples/internal/exampledb"
	"github.com/jakelu/jakelu/registry/sqlregistry"
	"github.com/jakelu/jakelu/transport"
	"github.com/jakelu/jakelu/transport/address"
	"github.com/jakelu/jakelu/transport/bounce"
	filetransport "github.com/jakelu/jakelu/transport/file"
	"github.com/jakelu/jakelu/transport/outbox/riveroutbox"
	"github.com/jakelu/jakelu/transport/smtp"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "webapp:", err)
		os.Exit(1)
	}
}

// options are the command line, with defaults from the environment.
type options struct {
	addr, data, db, from       string
	smtpAddr                   string
	smtpTLS                    smtp.TLSMode
	bounceAddr                 string
	verp                       *bounce.VERP // from the environment only
	secureCookies              bool
	addCompany, addUser        string
	smtpUsername, smtpPassword string // from the environment only
	firstEmail, firstPassword  string // from the environment only
}

// parseOptions reads the flags; getenv supplies the defaults and secrets.
func parseOptions(args []string, getenv func(string) string, stderr io.Writer) (options, error) {
	envOr := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	var o options
	fs := flag.NewFlagSet("webapp", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: go run ./examples/webapp [flags]\n\nThe e-mail distribution pages of a company, on the jakelu library.\n\nflags:")
		fs.PrintDefaults()
		fmt.Fprintln(stderr, "\nenvironment: JAKELU_WEBAPP_EMAIL and JAKELU_WEBAPP_PASSWORD set the first user's credentials;\nJAKELU_SMTP_USERNAME and JAKELU_SMTP_PASSWORD the SMTP credentials; JAKELU_VERP_KEY (16+ bytes),\nJAKELU_VERP_DOMAIN and JAKELU_VERP_LOCAL (default bounces) give each recipient a VERP envelope\nsender, so that bounces are matched (as the jakelu command's outbox and bounce-server).")
	}
	fs.StringVar(&o.addr, "addr", envOr("JAKELU_WEBAPP_ADDR", "127.0.0.1:8080"), "listen on this host:port (env JAKELU_WEBAPP_ADDR)")
	fs.StringVar(&o.data, "data", envOr("JAKELU_WEBAPP_DATA", "jakelu-webapp-data"), "folder for the SQLite database and the outbox (env JAKELU_WEBAPP_DATA)")
	fs.StringVar(&o.db, "db", getenv("JAKELU_WEBAPP_DB"), "database: sqlite:PATH or a postgres:// URL; default a SQLite file in -data (env JAKELU_WEBAPP_DB)")
	fs.StringVar(&o.from, "from", envOr("JAKELU_WEBAPP_FROM", "laskut@jakelu.example"), "the operator's address e-mails are sent from (env JAKELU_WEBAPP_FROM)")
	fs.StringVar(&o.smtpAddr, "smtp", getenv("JAKELU_WEBAPP_SMTP"), "send through this SMTP server (host:port) instead of writing .eml files into -data/outbox (env JAKELU_WEBAPP_SMTP)")
	fs.TextVar(&o.smtpTLS, "smtp-tls", smtp.StartTLS, "SMTP TLS: starttls (required), opportunistic, implicit or none (loopback only)")
	fs.StringVar(&o.bounceAddr, "bounce-addr", getenv("JAKELU_WEBAPP_BOUNCE_ADDR"), "receive bounces by SMTP on this host:port, for the VERP bounce domain (needs JAKELU_VERP_KEY and JAKELU_VERP_DOMAIN; env JAKELU_WEBAPP_BOUNCE_ADDR)")
	fs.BoolVar(&o.secureCookies, "secure-cookies", false, "mark cookies Secure; set it when a TLS proxy serves the app")
	fs.StringVar(&o.addCompany, "add-company", "", "create a company with this name and its first user (-add-user), print the password, then serve")
	fs.StringVar(&o.addUser, "add-user", "", "the e-mail address of the first user of -add-company")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if (o.addCompany == "") != (o.addUser == "") {
		return o, errors.New("-add-company and -add-user go together")
	}
	if key := getenv("JAKELU_VERP_KEY"); key != "" {
		o.verp = &bounce.VERP{Key: []byte(key), Local: getenv("JAKELU_VERP_LOCAL"), Domain: getenv("JAKELU_VERP_DOMAIN")}
		if o.verp.Local == "" {
			o.verp.Local = "bounces"
		}
		if _, err := o.verp.Address("1", "test@example.com"); err != nil {
			return o, fmt.Errorf("JAKELU_VERP_KEY is set: %w (set JAKELU_VERP_DOMAIN, and a key of 16+ bytes)", err)
		}
	}
	if o.bounceAddr != "" && o.verp == nil {
		return o, errors.New("-bounce-addr needs JAKELU_VERP_KEY and JAKELU_VERP_DOMAIN: the receiver accepts reports only to VERP addresses")
	}
	o.smtpUsername, o.smtpPassword = getenv("JAKELU_SMTP_USERNAME"), getenv("JAKELU_SMTP_PASSWORD")
	o.firstEmail, o.firstPassword = getenv("JAKELU_WEBAPP_EMAIL"), getenv("JAKELU_WEBAPP_PASSWORD")
	return o, nil
}

// run starts the app and serves until ctx is done.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	o, err := parseOptions(args, getenv, stderr)
	if err != nil {
		return err
	}
	db, dialect, dbName, err := openDB(o)
	if err != nil {
		return err
	}
	defer db.Close()
	tr, trName, closeTransport, err := openTransport(o)
	if err != nil {
		return err
	}
	defer closeTransport()

	a, err := newApp(ctx, config{DB: db, Dialect: dialect, Transport: tr, From: o.from, SecureCookies: o.secureCookies,
		Logger: slog.New(slog.NewTextHandler(stderr, nil)), VERP: o.verp, BounceAddr: o.bounceAddr,
		Outbox: riveroutbox.Options{PollInterval: 500 * time.Millisecond}})
	if err != nil {
		return err
	}
	defer a.Close() // stops the workers gracefully: the deliveries under way finish
	if err := a.Start(ctx); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("-addr: %w", err)
	}
	fmt.Fprintf(stdout, "jakelu web app on http://%s/\n  database: %s\n  e-mails:  %s (through the outbox in the database)\n", ln.Addr(), dbName, trName)
	if o.bounceAddr != "" {
		fmt.Fprintf(stdout, "  bounces:  SMTP on %s for %s\n", o.bounceAddr, o.verp.Domain)
	}
	if err := a.firstStart(ctx, o, stdout); err != nil {
		ln.Close()
		return err
	}

	fmt.Fprintln(stdout, "Press Ctrl+C to stop.")
	srv := &http.Server{Handler: a.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 5 * time.Minute,
		WriteTimeout: 5 * time.Minute, IdleTimeout: 2 * time.Minute}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

// openDB opens the database -db names, or the SQLite file in -data, and
// returns a description for the start-up message.
func openDB(o options) (*sql.DB, sqlregistry.Dialect, string, error) {
	dsn := o.db
	if dsn == "" {
		dsn = "sqlite:" + filepath.Join(o.data, "webapp.db")
	}
	db, dialect, err := exampledb.Open(dsn)
	return db, dialect, exampledb.Describe(dsn), err
}

// openTransport returns the SMTP transport -smtp names, or the file
// transport into -data/outbox, a description and a close function.
func openTransport(o options) (transport.Transport, string, func() error, error) {
	if o.smtpAddr == "" {
		dir := filepath.Join(o.data, "outbox")
		tr, err := filetransport.New(dir, nil)
		return tr, ".eml files in " + dir, func() error { return nil }, err
	}
	tr, err := smtp.New(o.smtpAddr, &smtp.Options{TLS: o.smtpTLS, Username: o.smtpUsername, Password: o.smtpPassword})
	if err != nil {
		return nil, "", nil, err
	}
	return tr, "SMTP to " + o.smtpAddr + " (" + o.smtpTLS.String() + ")", tr.Close, nil
}

// demoCompany is the company a first start creates.
const demoCompany = "Demo Oy"

// firstStart creates the demo company and its first user when the database
// has no company yet, and the company -add-company asks for, and prints the
// credentials. A password from JAKELU_WEBAPP_PASSWORD is not printed.
func (a *app) firstStart(ctx context.Context, o options, stdout io.Writer) error {
	n, err := a.st.companyCount(ctx)
	if err != nil {
		return err
	}
	if n == 0 {
		email := o.firstEmail
		if email == "" {
			email = "admin@demo.example"
		}
		if err := a.addCompany(ctx, demoCompany, email, o.firstPassword, stdout); err != nil {
			return err
		}
	}
	if o.addCompany != "" {
		return a.addCompany(ctx, o.addCompany, o.addUser, "", stdout)
	}
	return nil
}

// addCompany creates a company and its first user and prints how to sign
// in. An empty password means a random one, which is printed.
func (a *app) addCompany(ctx context.Context, name, email, password string, stdout io.Writer) error {
	addr, err := address.Parse(email)
	if err != nil {
		return fmt.Errorf("the first user of %s: %w", name, err)
	}
	shown := "(from JAKELU_WEBAPP_PASSWORD)"
	if password == "" {
		password = rand.Text()
		shown = password
	}
	u := user{Email: accountKey(addr), PasswordHash: hashPassword(password, a.cfg.Hash)}
	if _, err := a.st.createCompany(ctx, name, u); err != nil {
		return fmt.Errorf("creating the company %s and its user %s: %w", name, u.Email, err)
	}
	fmt.Fprintf(stdout, "Created the company %q and its first user, an admin:\n  e-mail:   %s\n  password: %s\n"+
		"  Sign in and invite the company's other users on the Users page (/users); invitation links are also logged here.\n",
		name, u.Email, shown)
	return nil
}
