package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/jakelu/jakelu/distribution"
	"github.com/jakelu/jakelu/transport"
	filetransport "github.com/jakelu/jakelu/transport/file"
	"github.com/jakelu/jakelu/transport/smtp"
)

// jsonSent is the --json output of send for one document.
type jsonSent struct {
	File       string          `json:"file"`
	Number     string          `json:"number"`
	Outcome    string          `json:"outcome"`
	Source     string          `json:"source"`
	MessageID  string          `json:"messageId,omitempty"`
	Recipients []jsonRecipient `json:"recipients"`
	Explain    string          `json:"explain,omitempty"`
	Error      string          `json:"error,omitempty"`
}

type jsonRecipient struct {
	Address string `json:"address"`
	Outcome string `json:"outcome"`
	Code    int    `json:"code,omitempty"`
	Error   string `json:"error,omitempty"`
}

// runSend implements "jakelu send": it distributes each document and prints
// the outcome; it exits 1 if any document was not sent.
func runSend(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("send", "send [--directory FILE | --db DSN] [--document-address] [--precedence document|directory|both] [--lang fi|sv|en] [--json] (--out DIR | --smtp HOST:PORT [--tls starttls|opportunistic|implicit|none] [--tls-ca FILE]) DOC...\n\n"+
		smtpHelp, stderr)
	var f routeFlags
	f.register(fs)
	out := fs.String("out", "", "write the e-mails as .eml files into this folder")
	smtpAddr := fs.String("smtp", "", "send through this SMTP server (host:port)")
	var tlsMode smtp.TLSMode
	fs.TextVar(&tlsMode, "tls", smtp.StartTLS, "SMTP TLS: starttls (required), opportunistic, implicit or none (loopback only)")
	tlsCA := fs.String("tls-ca", "", "trust the CA certificates in this PEM `FILE` for the SMTP server (a private relay), not the system's")
	files, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(files) == 0 || (*out == "") == (*smtpAddr == "") {
		fs.Usage()
		fmt.Fprintln(stderr, "\njakelu send: give documents and exactly one of --out and --smtp")
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "jakelu send: %v\n", err)
		return 1
	}

	var tr transport.Transport
	if *out != "" {
		if err := os.MkdirAll(*out, 0o755); err != nil {
			return fail(err)
		}
		if tr, err = filetransport.New(*out, nil); err != nil {
			return fail(err)
		}
	} else {
		// Checked before any document is sent: a configuration error
		// exits 3 with nothing sent.
		st, code := smtpTransport(ctx, *smtpAddr, tlsMode, *tlsCA, stderr)
		if st == nil {
			return code
		}
		defer st.Close()
		tr = st
	}
	r, closeReg, err := f.router(ctx, tr)
	if err != nil {
		return fail(err)
	}
	defer closeReg()

	var reports []jsonSent
	code := 0
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			return fail(err)
		}
		// A file may hold several documents; each gets its own result.
		for _, res := range r.DistributeAll(ctx, [][]byte{data}, nil) {
			if res.Outcome != distribution.Sent {
				code = 1
			}
			rep := sentReport(name, res, f.lang)
			if f.asJSON {
				reports = append(reports, rep)
				continue
			}
			var rcpts []string
			for _, rc := range rep.Recipients {
				rcpts = append(rcpts, rc.Address+" "+rc.Outcome)
			}
			fmt.Fprintf(stdout, "%s: document %s %s (source %s) %s\n", rep.File, rep.Number, rep.Outcome, rep.Source, strings.Join(rcpts, ", "))
			if rep.Error != "" {
				fmt.Fprintf(stdout, "  %s\n", rep.Error)
			}
		}
	}
	if f.asJSON {
		writeJSON(stdout, reports)
	}
	return code
}

// sentReport summarises one document's result.
func sentReport(name string, res *distribution.Result, lang string) jsonSent {
	rep := jsonSent{File: name, Outcome: string(res.Outcome), Source: string(distribution.SourceNone), MessageID: res.MessageID, Recipients: []jsonRecipient{}}
	if res.Document != nil {
		rep.Number = res.Document.Number
	}
	if res.Plan != nil {
		rep.Source = string(res.Plan.Source)
		rep.Explain = res.Plan.Explain(lang)
	}
	if res.Receipt != nil {
		for _, rr := range res.Receipt.Recipients {
			jr := jsonRecipient{Address: rr.Address, Outcome: rr.Outcome.String(), Code: rr.Code}
			if rr.Err != nil {
				jr.Error = rr.Err.Error()
			}
			rep.Recipients = append(rep.Recipients, jr)
		}
	}
	var nr *distribution.NoRecipientError
	if res.Err != nil && !errors.As(res.Err, &nr) {
		rep.Error = res.Err.Error()
	}
	return rep
}
