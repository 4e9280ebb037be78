package jakelu_test

import (
	"context"
	"database/sql"
	"encoding/xml"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"net/mail"
	"os"
	"path/filepath"
	"reflect"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite" // driver "sqlite" for the live sqlregistry.Registry

	"github.com/jakelu/jakelu/distribution"
	"github.com/jakelu/jakelu/distribution/invoicepdf"
	"github.com/jakelu/jakelu/docparse"
	"github.com/jakelu/jakelu/docparse/payment"
	"github.com/jakelu/jakelu/importer"
	"github.com/jakelu/jakelu/importer/csvimport"
	"github.com/jakelu/jakelu/importer/xlsximport"
	"github.com/jakelu/jakelu/internal/i18n"
	"github.com/jakelu/jakelu/internal/parallel"
	"github.com/jakelu/jakelu/registry"
	"github.com/jakelu/jakelu/registry/registrytest"
	"github.com/jakelu/jakelu/registry/sqlregistry"
	"github.com/jakelu/jakelu/transport"
	"github.com/jakelu/jakelu/transport/address"
	"github.com/jakelu/jakelu/transport/bounce"
	"github.com/jakelu/jakelu/transport/dkim"
	"github.com/jakelu/jakelu/transport/file"
	"github.com/jakelu/jakelu/transport/outbox"
	"github.com/jakelu/jakelu/transport/outbox/riveroutbox"
	"github.com/jakelu/jakelu/transport/smtp"
	"github.com/jakelu/jakelu/transport/transporttest"
)

// The misuse test calls every exported function and method of every library
// package the way a careless caller would: nil and zero-value arguments, zero
// receivers (new(T)), typed-nil implementations of interface parameters, nil
// and deadline-less contexts. Each call must return (an error, or a sensible
// result) within misuseTimeout, without a panic and without printing a fmt
// verb error ("%!"). The API is listed from the source with go/parser, so a
// new exported function or type fails the test until it is added to
// misuseFuncs or misuseTypes below, and is then called like the others.

// misuseTimeout is how long one call may take before it counts as a hang.
const misuseTimeout = time.Second

// misuseSkipDirs are the directories whose packages are not library API,
// with the reason.
var misuseSkipDirs = map[string]string{
	"examples":                     "programs, not library packages",
	"importer/internal/importtest": "internal test helper of the importer tests",
	"internal/i18n/i18ntest":       "internal helper that writes translation files from a test",
	"transport/internal/testmsg":   "internal test helper of the transport tests",
}

// misuseFuncs holds every exported package-level function, by
// "package.Name".
var misuseFuncs = map[string]any{
	"csvimport.Export":             csvimport.Export,
	"csvimport.NewDecoder":         csvimport.NewDecoder,
	"csvimport.WriteTemplate":      csvimport.WriteTemplate,
	"distribution.AddLanguage":     distribution.AddLanguage,
	"distribution.Languages":       distribution.Languages,
	"dkim.CheckRecord":             dkim.CheckRecord,
	"dkim.GenerateKey":             dkim.GenerateKey,
	"dkim.New":                     dkim.New,
	"dkim.ParseKey":                dkim.ParseKey,
	"dkim.ReadKeyFile":             dkim.ReadKeyFile,
	"dkim.Record":                  dkim.Record,
	"dkim.Sign":                    dkim.Sign,
	"docparse.IDKinds":             docparse.IDKinds,
	"distribution.NewRouter":       distribution.NewRouter,
	"docparse.Parse":               docparse.Parse,
	"docparse.ParseAll":            docparse.ParseAll,
	"payment.FinnishCheckDigit":    payment.FinnishCheckDigit,
	"payment.Kind":                 payment.Kind,
	"payment.ParseBIC":             payment.ParseBIC,
	"payment.ParseIBAN":            payment.ParseIBAN,
	"payment.ParseReference":       payment.ParseReference,
	"payment.PrintIBAN":            payment.PrintIBAN,
	"payment.RF":                   payment.RF,
	"payment.ParseVirtualBarcode":  payment.ParseVirtualBarcode,
	"invoicepdf.New":               invoicepdf.New,
	"file.New":                     file.New,
	"i18n.Accept":                  i18n.Accept,
	"i18n.All":                     i18n.All,
	"i18n.Canonical":               i18n.Canonical,
	"i18n.Catalog":                 i18n.Catalog,
	"i18n.Check":                   i18n.Check,
	"i18n.FormatAmount":            i18n.FormatAmount,
	"i18n.FormatDate":              i18n.FormatDate,
	"i18n.FormatInt":               i18n.FormatInt,
	"i18n.Generation":              i18n.Generation,
	"i18n.Has":                     i18n.Has,
	"i18n.Keys":                    i18n.Keys,
	"i18n.Languages":               i18n.Languages,
	"i18n.Prefix":                  i18n.Prefix,
	"i18n.Quote":                   i18n.Quote,
	"i18n.Register":                i18n.Register,
	"i18n.Shipped":                 i18n.Shipped,
	"i18n.Text":                    i18n.Text,
	"parallel.For":                 parallel.For,
	"parallel.NewOrdered":          parallel.NewOrdered,
	"i18n.Code":                    i18n.Code,
	"i18n.First":                   i18n.First,
	"i18n.Index":                   i18n.Index,
	"i18n.Match":                   i18n.Match,
	"i18n.Pick":                    i18n.Pick,
	"importer.Apply":               importer.Apply,
	"importer.Diff":                importer.Diff,
	"importer.Columns":             importer.Columns,
	"importer.Examples":            importer.Examples,
	"importer.ExportRecords":       importer.ExportRecords,
	"importer.Header":              importer.Header,
	"importer.Help":                importer.Help,
	"importer.Language":            importer.Language,
	"importer.NewImportError":      importer.NewImportError,
	"importer.Read":                importer.Read,
	"importer.Separator":           importer.Separator,
	"importer.SheetNames":          importer.SheetNames,
	"registry.CheckCustomerNumber": registry.CheckCustomerNumber,
	"registry.NewMemory":           registry.NewMemory,
	"registry.PageSize":            registry.PageSize,
	"registry.ParseProfile":        registry.ParseProfile,
	"outbox.Combine":               outbox.Combine,
	"outbox.CombineOrder":          outbox.CombineOrder,
	"outbox.DefaultSchedule":       outbox.DefaultSchedule,
	"outbox.ParseID":               outbox.ParseID,
	"outbox.ParseState":            outbox.ParseState,
	"outbox.States":                outbox.States,
	"riveroutbox.Migrate":          riveroutbox.Migrate,
	"riveroutbox.New":              riveroutbox.New,
	"registrytest.CancelAtCheck":   registrytest.CancelAtCheck,
	"registrytest.Failing":         registrytest.Failing,
	"registrytest.Run":             registrytest.Run,
	"smtp.New":                     smtp.New,
	"bounce.Parse":                 bounce.Parse,
	"sqlregistry.Migrate":          sqlregistry.Migrate,
	"sqlregistry.New":              sqlregistry.New,
	"transport.CheckComposed":      transport.CheckComposed,
	"transport.Compose":            transport.Compose,
	"transport.Envelope":           transport.Envelope,
	"transport.IsAmbiguous":        transport.IsAmbiguous,
	"transport.RefuseComposed":     transport.RefuseComposed,
	"transport.IsConfig":           transport.IsConfig,
	"transport.IsInput":            transport.IsInput,
	"transport.IsTemporary":        transport.IsTemporary,
	"address.Contains":             address.Contains,
	"address.Equal":                address.Equal,
	"address.Key":                  address.Key,
	"address.Parse":                address.Parse,
	"transport.Refuse":             transport.Refuse,
	"address.SplitList":            address.SplitList,
	"address.ToASCII":              address.ToASCII,
	"transporttest.NewServer":      transporttest.NewServer,
	"transporttest.ParseMessage":   transporttest.ParseMessage,
	"transporttest.Run":            transporttest.Run,
	"xlsximport.Export":            xlsximport.Export,
	"xlsximport.NewDecoder":        xlsximport.NewDecoder,
	"xlsximport.WriteTemplate":     xlsximport.WriteTemplate,
}

// misuseTypes holds every exported type, by "package.Name". The exported
// methods of *T (which include those of T) are called on new(T) and, where
// misuseLive knows how to build one, on a working value.
var misuseTypes = map[string]reflect.Type{
	"distribution.DuplicateError":         reflect.TypeFor[distribution.DuplicateError](),
	"distribution.EnqueueOptions":         reflect.TypeFor[distribution.EnqueueOptions](),
	"outbox.Ambiguity":                    reflect.TypeFor[outbox.Ambiguity](),
	"outbox.Batcher":                      reflect.TypeFor[outbox.Batcher](),
	"outbox.BounceAction":                 reflect.TypeFor[outbox.BounceAction](),
	"outbox.BounceHandler":                reflect.TypeFor[outbox.BounceHandler](),
	"outbox.BounceOutcome":                reflect.TypeFor[outbox.BounceOutcome](),
	"outbox.BounceResult":                 reflect.TypeFor[outbox.BounceResult](),
	"outbox.MatchedBy":                    reflect.TypeFor[outbox.MatchedBy](),
	"outbox.Source":                       reflect.TypeFor[outbox.Source](),
	"outbox.Suppression":                  reflect.TypeFor[outbox.Suppression](),
	"outbox.Suppressions":                 reflect.TypeFor[outbox.Suppressions](),
	"outbox.Change":                       reflect.TypeFor[outbox.Change](),
	"outbox.DuplicateError":               reflect.TypeFor[outbox.DuplicateError](),
	"outbox.EnqueueOptions":               reflect.TypeFor[outbox.EnqueueOptions](),
	"outbox.Error":                        reflect.TypeFor[outbox.Error](),
	"outbox.ID":                           reflect.TypeFor[outbox.ID](),
	"outbox.Item":                         reflect.TypeFor[outbox.Item](),
	"outbox.ItemResult":                   reflect.TypeFor[outbox.ItemResult](),
	"outbox.Outbox":                       reflect.TypeFor[outbox.Outbox](),
	"outbox.Page":                         reflect.TypeFor[outbox.Page](),
	"outbox.Query":                        reflect.TypeFor[outbox.Query](),
	"outbox.RecipientStatus":              reflect.TypeFor[outbox.RecipientStatus](),
	"outbox.Schedule":                     reflect.TypeFor[outbox.Schedule](),
	"outbox.State":                        reflect.TypeFor[outbox.State](),
	"outbox.Status":                       reflect.TypeFor[outbox.Status](),
	"outbox.TxBeginner":                   reflect.TypeFor[outbox.TxBeginner](),
	"riveroutbox.Dialect":                 reflect.TypeFor[riveroutbox.Dialect](),
	"riveroutbox.Options":                 reflect.TypeFor[riveroutbox.Options](),
	"riveroutbox.Outbox":                  reflect.TypeFor[riveroutbox.Outbox](),
	"riveroutbox.SuppressionList":         reflect.TypeFor[riveroutbox.SuppressionList](),
	"csvimport.Decoder":                   reflect.TypeFor[csvimport.Decoder](),
	"csvimport.Options":                   reflect.TypeFor[csvimport.Options](),
	"distribution.BatchOptions":           reflect.TypeFor[distribution.BatchOptions](),
	"distribution.LookupError":            reflect.TypeFor[distribution.LookupError](),
	"distribution.MailData":               reflect.TypeFor[distribution.MailData](),
	"distribution.NoRecipientError":       reflect.TypeFor[distribution.NoRecipientError](),
	"distribution.Options":                reflect.TypeFor[distribution.Options](),
	"distribution.TranslationError":       reflect.TypeFor[distribution.TranslationError](),
	"distribution.Outcome":                reflect.TypeFor[distribution.Outcome](),
	"distribution.Plan":                   reflect.TypeFor[distribution.Plan](),
	"distribution.Precedence":             reflect.TypeFor[distribution.Precedence](),
	"distribution.Recipient":              reflect.TypeFor[distribution.Recipient](),
	"distribution.Result":                 reflect.TypeFor[distribution.Result](),
	"distribution.RecipientSummary":       reflect.TypeFor[distribution.RecipientSummary](),
	"distribution.Summary":                reflect.TypeFor[distribution.Summary](),
	"distribution.Router":                 reflect.TypeFor[distribution.Router](),
	"distribution.Settings":               reflect.TypeFor[distribution.Settings](),
	"distribution.TooManyRecipientsError": reflect.TypeFor[distribution.TooManyRecipientsError](),
	"distribution.SettingsError":          reflect.TypeFor[distribution.SettingsError](),
	"distribution.Source":                 reflect.TypeFor[distribution.Source](),
	"distribution.Step":                   reflect.TypeFor[distribution.Step](),
	"distribution.StepCode":               reflect.TypeFor[distribution.StepCode](),
	"distribution.PDFCode":                reflect.TypeFor[distribution.PDFCode](),
	"distribution.PDFChoice":              reflect.TypeFor[distribution.PDFChoice](),
	"distribution.InvoiceImage":           reflect.TypeFor[distribution.InvoiceImage](),
	"distribution.TooLargeError":          reflect.TypeFor[distribution.TooLargeError](),
	"distribution.ScanTooLargeError":      reflect.TypeFor[distribution.ScanTooLargeError](),
	"dkim.Key":                            reflect.TypeFor[dkim.Key](),
	"dkim.KeyError":                       reflect.TypeFor[dkim.KeyError](),
	"dkim.NoKeyError":                     reflect.TypeFor[dkim.NoKeyError](),
	"dkim.Options":                        reflect.TypeFor[dkim.Options](),
	"dkim.Signer":                         reflect.TypeFor[dkim.Signer](),
	"dkim.SignerFunc":                     reflect.TypeFor[dkim.SignerFunc](),
	"dkim.Static":                         reflect.TypeFor[dkim.Static](),
	"dkim.Transport":                      reflect.TypeFor[dkim.Transport](),
	"docparse.Code":                       reflect.TypeFor[docparse.Code](),
	"docparse.Attachment":                 reflect.TypeFor[docparse.Attachment](),
	"docparse.DocType":                    reflect.TypeFor[docparse.DocType](),
	"docparse.Document":                   reflect.TypeFor[docparse.Document](),
	"docparse.Email":                      reflect.TypeFor[docparse.Email](),
	"docparse.ExtractFunc":                reflect.TypeFor[docparse.ExtractFunc](),
	"docparse.Extractor":                  reflect.TypeFor[docparse.Extractor](),
	"docparse.Flavour":                    reflect.TypeFor[docparse.Flavour](),
	"docparse.Format":                     reflect.TypeFor[docparse.Format](),
	"docparse.IDKind":                     reflect.TypeFor[docparse.IDKind](),
	"docparse.Identifier":                 reflect.TypeFor[docparse.Identifier](),
	"docparse.Options":                    reflect.TypeFor[docparse.Options](),
	"docparse.ParseError":                 reflect.TypeFor[docparse.ParseError](),
	"docparse.Party":                      reflect.TypeFor[docparse.Party](),
	"docparse.Address":                    reflect.TypeFor[docparse.Address](),
	"docparse.Line":                       reflect.TypeFor[docparse.Line](),
	"docparse.VATSubtotal":                reflect.TypeFor[docparse.VATSubtotal](),
	"docparse.Totals":                     reflect.TypeFor[docparse.Totals](),
	"docparse.Payment":                    reflect.TypeFor[docparse.Payment](),
	"payment.Error":                       reflect.TypeFor[payment.Error](),
	"payment.Field":                       reflect.TypeFor[payment.Field](),
	"payment.Reference":                   reflect.TypeFor[payment.Reference](),
	"payment.ReferenceKind":               reflect.TypeFor[payment.ReferenceKind](),
	"payment.Transfer":                    reflect.TypeFor[payment.Transfer](),
	"invoicepdf.Error":                    reflect.TypeFor[invoicepdf.Error](),
	"invoicepdf.Options":                  reflect.TypeFor[invoicepdf.Options](),
	"invoicepdf.Rendered":                 reflect.TypeFor[invoicepdf.Rendered](),
	"invoicepdf.Renderer":                 reflect.TypeFor[invoicepdf.Renderer](),
	"docparse.Warning":                    reflect.TypeFor[docparse.Warning](),
	"file.Options":                        reflect.TypeFor[file.Options](),
	"file.Transport":                      reflect.TypeFor[file.Transport](),
	"i18n.KeySet":                         reflect.TypeFor[i18n.KeySet](),
	"i18n.MissingError":                   reflect.TypeFor[i18n.MissingError](),
	"importer.Batch":                      reflect.TypeFor[importer.Batch](),
	"importer.Cell":                       reflect.TypeFor[importer.Cell](),
	"importer.CellKind":                   reflect.TypeFor[importer.CellKind](),
	"importer.Change":                     reflect.TypeFor[importer.Change](),
	"importer.Changes":                    reflect.TypeFor[importer.Changes](),
	"importer.Code":                       reflect.TypeFor[importer.Code](),
	"importer.Column":                     reflect.TypeFor[importer.Column](),
	"importer.Decoder":                    reflect.TypeFor[importer.Decoder](),
	"importer.Format":                     reflect.TypeFor[importer.Format](),
	"importer.ImportError":                reflect.TypeFor[importer.ImportError](),
	"importer.Options":                    reflect.TypeFor[importer.Options](),
	"importer.Problem":                    reflect.TypeFor[importer.Problem](),
	"importer.Record":                     reflect.TypeFor[importer.Record](),
	"importer.Row":                        reflect.TypeFor[importer.Row](),
	"registry.Batch":                      reflect.TypeFor[registry.Batch](),
	"registry.BatchError":                 reflect.TypeFor[registry.BatchError](),
	"registry.Batcher":                    reflect.TypeFor[registry.Batcher](),
	"registry.Entry":                      reflect.TypeFor[registry.Entry](),
	"registry.EntryError":                 reflect.TypeFor[registry.EntryError](),
	"registry.Lister":                     reflect.TypeFor[registry.Lister](),
	"registry.LookupFunc":                 reflect.TypeFor[registry.LookupFunc](),
	"parallel.Ordered":                    reflect.TypeFor[parallel.Ordered](),
	"registry.Memory":                     reflect.TypeFor[registry.Memory](),
	"registry.MemoryOptions":              reflect.TypeFor[registry.MemoryOptions](),
	"registry.Page":                       reflect.TypeFor[registry.Page](),
	"registry.Profile":                    reflect.TypeFor[registry.Profile](),
	"registry.Query":                      reflect.TypeFor[registry.Query](),
	"registry.Registry":                   reflect.TypeFor[registry.Registry](),
	"registry.Store":                      reflect.TypeFor[registry.Store](),
	"registry.Summary":                    reflect.TypeFor[registry.Summary](),
	"registrytest.NewFunc":                reflect.TypeFor[registrytest.NewFunc](),
	"smtp.Options":                        reflect.TypeFor[smtp.Options](),
	"smtp.ReplyError":                     reflect.TypeFor[smtp.ReplyError](),
	"smtp.TLSMode":                        reflect.TypeFor[smtp.TLSMode](),
	"smtp.Timeouts":                       reflect.TypeFor[smtp.Timeouts](),
	"smtp.Transport":                      reflect.TypeFor[smtp.Transport](),
	"sqlregistry.Dialect":                 reflect.TypeFor[sqlregistry.Dialect](),
	"sqlregistry.Options":                 reflect.TypeFor[sqlregistry.Options](),
	"sqlregistry.Registry":                reflect.TypeFor[sqlregistry.Registry](),
	"sqlregistry.SchemaError":             reflect.TypeFor[sqlregistry.SchemaError](),
	"address.Error":                       reflect.TypeFor[address.Error](),
	"bounce.Kind":                         reflect.TypeFor[bounce.Kind](),
	"bounce.Limits":                       reflect.TypeFor[bounce.Limits](),
	"bounce.ParseError":                   reflect.TypeFor[bounce.ParseError](),
	"bounce.Reason":                       reflect.TypeFor[bounce.Reason](),
	"bounce.Recipient":                    reflect.TypeFor[bounce.Recipient](),
	"bounce.Report":                       reflect.TypeFor[bounce.Report](),
	"bounce.VERP":                         reflect.TypeFor[bounce.VERP](),
	"bounce.VERPError":                    reflect.TypeFor[bounce.VERPError](),
	"address.Reason":                      reflect.TypeFor[address.Reason](),
	"transport.Attachment":                reflect.TypeFor[transport.Attachment](),
	"transport.ComposeOptions":            reflect.TypeFor[transport.ComposeOptions](),
	"transport.Composed":                  reflect.TypeFor[transport.Composed](),
	"transport.HeaderError":               reflect.TypeFor[transport.HeaderError](),
	"transport.HeaderReason":              reflect.TypeFor[transport.HeaderReason](),
	"transport.Message":                   reflect.TypeFor[transport.Message](),
	"transport.Outcome":                   reflect.TypeFor[transport.Outcome](),
	"transport.Receipt":                   reflect.TypeFor[transport.Receipt](),
	"transport.RawSender":                 reflect.TypeFor[transport.RawSender](),
	"transport.RecipientResult":           reflect.TypeFor[transport.RecipientResult](),
	"transport.SendError":                 reflect.TypeFor[transport.SendError](),
	"transport.ConfigError":               reflect.TypeFor[transport.ConfigError](),
	"transport.SendFunc":                  reflect.TypeFor[transport.SendFunc](),
	"transport.Stage":                     reflect.TypeFor[transport.Stage](),
	"transport.Transport":                 reflect.TypeFor[transport.Transport](),
	"transporttest.CertKind":              reflect.TypeFor[transporttest.CertKind](),
	"transporttest.Command":               reflect.TypeFor[transporttest.Command](),
	"transporttest.Inbox":                 reflect.TypeFor[transporttest.Inbox](),
	"transporttest.NewFunc":               reflect.TypeFor[transporttest.NewFunc](),
	"transporttest.Recorder":              reflect.TypeFor[transporttest.Recorder](),
	"transporttest.Response":              reflect.TypeFor[transporttest.Response](),
	"transporttest.Script":                reflect.TypeFor[transporttest.Script](),
	"transporttest.Server":                reflect.TypeFor[transporttest.Server](),
	"transporttest.Stored":                reflect.TypeFor[transporttest.Stored](),
	"transporttest.TLSMode":               reflect.TypeFor[transporttest.TLSMode](),
	"xlsximport.Decoder":                  reflect.TypeFor[xlsximport.Decoder](),
	"xlsximport.Options":                  reflect.TypeFor[xlsximport.Options](),
}

// misuseExcluded are the functions and methods not called, with the reason.
// Keep it short: everything else must cope with careless arguments.
var misuseExcluded = map[string]string{
	"registrytest.Run":        "test helper: runs subtests on the *testing.T it is given, so it needs a live test (it is run by the registries' own tests)",
	"transporttest.Run":       "test helper: runs subtests on the *testing.T it is given, so it needs a live test (it is run by the transports' own tests)",
	"transporttest.NewServer": "test helper: reports setup failures through the testing.TB it is given and closes the server in its Cleanup; the Server's methods are called below on zero and live servers",
}

// misuseLiveSettings are settings a Router can send with.
var misuseLiveSettings = distribution.Settings{
	Company: "acme", Enabled: true, DocumentAddress: true, Directory: true,
	From: "billing@example.fi", Language: "fi",
}

// misuseMessage returns a message every transport accepts.
func misuseMessage() *transport.Message {
	return &transport.Message{
		From:    mail.Address{Name: "Acme", Address: "billing@example.fi"},
		To:      []mail.Address{{Address: "buyer@example.fi"}},
		Subject: "Invoice 1",
		Text:    "Hello",
	}
}

// misuseEnv builds the working values the calls get besides the careless
// ones: a live receiver for methods, a live argument next to the careless
// one.
type misuseEnv struct {
	t      *testing.T
	ctx    context.Context // the test's context, parent of the deadlines
	doc    []byte          // a real e-invoice
	server *transporttest.Server
}

// cand is one argument value a parameter can get: a label for the report
// and a constructor run just before the call.
type cand struct {
	label string
	make  func() reflect.Value
}

// value returns a candidate that is always v.
func value[T any](label string, v T) cand {
	return cand{label, func() reflect.Value { return reflect.ValueOf(&v).Elem() }}
}

// lazy returns a candidate that f builds afresh for each call.
func lazy[T any](label string, f func() T) cand {
	return cand{label, func() reflect.Value { v := f(); return reflect.ValueOf(&v).Elem() }}
}

// deadline returns a context that ends shortly, well within misuseTimeout.
func (e *misuseEnv) deadline() context.Context {
	ctx, cancel := context.WithTimeout(e.ctx, misuseTimeout/4)
	e.t.Cleanup(cancel)
	return ctx
}

// memory returns a directory holding customer number "x".
func (e *misuseEnv) memory() *registry.Memory {
	m := registry.NewMemory(nil)
	if err := m.Put(e.ctx, registry.Entry{CustomerNumber: "x", To: []string{"buyer@example.fi"}}); err != nil {
		e.t.Fatal(err)
	}
	return m
}

// sqlDB returns a migrated in-memory SQLite database.
func (e *misuseEnv) sqlDB() *sql.DB {
	db, err := sql.Open("sqlite", "file::memory:")
	if err != nil {
		e.t.Fatal(err)
	}
	db.SetMaxOpenConns(1)                 // one in-memory database
	e.t.Cleanup(func() { go db.Close() }) // not waiting: a call that hung may hold it
	if err := sqlregistry.Migrate(e.ctx, db, sqlregistry.SQLite); err != nil {
		e.t.Fatal(err)
	}
	return db
}

// sqlRegistry returns an empty SQL directory.
func (e *misuseEnv) sqlRegistry() *sqlregistry.Registry {
	r, err := sqlregistry.New(e.ctx, e.sqlDB(), sqlregistry.SQLite, "acme", nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// router returns a Router that routes by document address and directory
// and records what it sends.
func (e *misuseEnv) router() *distribution.Router {
	r, err := distribution.NewRouter(e.memory(), &transporttest.Recorder{}, misuseLiveSettings, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// document returns the parsed e-invoice.
func (e *misuseEnv) document() *docparse.Document {
	d, err := docparse.Parse(e.doc, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return d
}

// importFile returns a CSV import file of one entry.
func importFile() string {
	h := importer.Header("en")
	return h.CustomerNumber + "," + h.To + "," + h.Cc + "\nx,buyer@example.fi,\n"
}

// batch returns the batch of importFile.
func (e *misuseEnv) batch() *importer.Batch {
	b, err := importer.Read(strings.NewReader(importFile()), []importer.Decoder{csvimport.NewDecoder(nil)}, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return b
}

// smtpTransport returns a Transport to the test's SMTP server.
func (e *misuseEnv) smtpTransport() *smtp.Transport {
	tr, err := smtp.New(e.server.Addr(), &smtp.Options{TLS: smtp.NoTLS})
	if err != nil {
		e.t.Fatal(err)
	}
	return tr
}

// fileTransport returns a Transport writing into a folder of its own.
func (e *misuseEnv) fileTransport() *file.Transport {
	tr, err := file.New(e.t.TempDir(), nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return tr
}

// misuseDKIMKey is an Ed25519 key (quick to make) for the live
// *dkim.Transport.
var misuseDKIMKey = func() dkim.Key {
	k, _, err := dkim.GenerateKey(true)
	if err != nil {
		panic(err)
	}
	return dkim.Key{Domain: "example.fi", Selector: "sel", Private: k}
}()

// dkimTransport returns a Transport signing the messages of example.fi
// into a folder of its own.
func (e *misuseEnv) dkimTransport() *dkim.Transport {
	tr, err := dkim.New(e.fileTransport(), dkim.Static{"example.fi": {misuseDKIMKey}}, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return tr
}

// newServer returns a running SMTP test server.
func (e *misuseEnv) newServer() *transporttest.Server { return transporttest.NewServer(e.t, nil) }

// live returns the working value of typ, if the test knows one.
func (e *misuseEnv) live(typ reflect.Type) (cand, bool) {
	switch typ {
	case reflect.TypeFor[context.Context]():
		return lazy("ctx", e.deadline), true
	case reflect.TypeFor[*registry.Memory]():
		return lazy("live *registry.Memory", e.memory), true
	case reflect.TypeFor[*sqlregistry.Registry]():
		return lazy("live *sqlregistry.Registry", e.sqlRegistry), true
	case reflect.TypeFor[*sql.DB]():
		return lazy("live *sql.DB", e.sqlDB), true
	case reflect.TypeFor[sqlregistry.Dialect]():
		return value("sqlregistry.SQLite", sqlregistry.SQLite), true
	case reflect.TypeFor[*distribution.Router]():
		return lazy("live *distribution.Router", e.router), true
	case reflect.TypeFor[distribution.Settings]():
		return value("live distribution.Settings", misuseLiveSettings), true
	case reflect.TypeFor[*distribution.Plan]():
		return lazy("live *distribution.Plan", func() *distribution.Plan {
			return &distribution.Plan{Number: "1", To: []distribution.Recipient{{Address: "buyer@example.fi", Source: distribution.SourceDocument}},
				Source: distribution.SourceDocument, Language: "fi"}
		}), true
	case reflect.TypeFor[*docparse.Document]():
		return lazy("live *docparse.Document", e.document), true
	case reflect.TypeFor[[]byte]():
		return lazy("e-invoice bytes", func() []byte { return slices.Clone(e.doc) }), true
	case reflect.TypeFor[*importer.Batch]():
		return lazy("live *importer.Batch", e.batch), true
	case reflect.TypeFor[registry.Entry]():
		return lazy("live registry.Entry", func() registry.Entry {
			return registry.Entry{CustomerNumber: "x", To: []string{"buyer@example.fi"}}
		}), true
	case reflect.TypeFor[registry.Batch]():
		return lazy("live registry.Batch", func() registry.Batch {
			return registry.Batch{Put: []registry.Entry{{CustomerNumber: "y", To: []string{"buyer@example.fi"}}}, Delete: []string{"x"}}
		}), true
	case reflect.TypeFor[*transport.Message]():
		return lazy("live *transport.Message", misuseMessage), true
	case reflect.TypeFor[*smtp.Transport]():
		return lazy("live *smtp.Transport", e.smtpTransport), true
	case reflect.TypeFor[*file.Transport]():
		return lazy("live *file.Transport", e.fileTransport), true
	case reflect.TypeFor[*dkim.Transport]():
		return lazy("live *dkim.Transport", e.dkimTransport), true
	case reflect.TypeFor[*transporttest.Server]():
		return lazy("live *transporttest.Server", e.newServer), true
	case reflect.TypeFor[*csvimport.Decoder]():
		return lazy("live *csvimport.Decoder", func() *csvimport.Decoder { return csvimport.NewDecoder(nil) }), true
	case reflect.TypeFor[*xlsximport.Decoder]():
		return lazy("live *xlsximport.Decoder", func() *xlsximport.Decoder { return xlsximport.NewDecoder(nil) }), true
	case reflect.TypeFor[registry.Registry]():
		return lazy("live registry.Registry", func() registry.Registry { return e.memory() }), true
	case reflect.TypeFor[transport.Transport]():
		return lazy("live transport.Transport", func() transport.Transport { return &transporttest.Recorder{} }), true
	case reflect.TypeFor[io.Reader]():
		return lazy("CSV import file", func() io.Reader { return strings.NewReader(importFile()) }), true
	case reflect.TypeFor[io.Writer]():
		return value("io.Discard", io.Discard), true
	case reflect.TypeFor[error]():
		return value("errors.New", errors.New("x")), true
	case reflect.TypeFor[string]():
		return value(`"x"`, "x"), true
	}
	return cand{}, false
}

// cands returns the values a parameter of type typ is called with; the
// first is its zero value, except for a context, which first gets a live one
// with a deadline.
func (e *misuseEnv) cands(typ reflect.Type, depth int) []cand {
	zero := cand{"zero " + typ.String(), func() reflect.Value { return reflect.Zero(typ) }}
	var out []cand
	live, hasLive := e.live(typ)
	switch {
	case typ == reflect.TypeFor[context.Context]():
		return []cand{live, lazy("context.Background()", context.Background), {"nil context", zero.make}}
	case typ.Kind() == reflect.Interface:
		out = append(out, zero)
		if hasLive {
			out = append(out, live)
		}
		if typ == reflect.TypeFor[error]() {
			for _, name := range misuseTypeNames() {
				if pt := reflect.PointerTo(misuseTypes[name]); pt.Implements(typ) {
					out = append(out, cand{"new(" + name + ") as error", func() reflect.Value { return reflect.New(pt.Elem()) }})
				}
			}
			return out
		}
		// Every implementation in the library, typed-nil, zero and live.
		for _, name := range misuseTypeNames() {
			t := misuseTypes[name]
			if t.Kind() == reflect.Interface {
				continue
			}
			pt := reflect.PointerTo(t)
			switch {
			case t.Implements(typ):
				out = append(out, cand{name + "(zero)", func() reflect.Value { return reflect.Zero(t) }})
			case pt.Implements(typ):
				out = append(out,
					cand{"(*" + name + ")(nil)", func() reflect.Value { return reflect.Zero(pt) }},
					cand{"new(" + name + ")", func() reflect.Value { return reflect.New(t) }})
				if l, ok := e.live(pt); ok {
					out = append(out, l)
				}
			}
		}
		return out
	case typ.Kind() == reflect.Pointer:
		out = append(out, zero)
		// A zero value of the library's own types, not of others' (a
		// new(sql.DB) is as unusable to database/sql as to us).
		if pkg := typ.Elem().PkgPath(); pkg == "" || strings.HasPrefix(pkg, "github.com/jakelu/jakelu/") {
			out = append(out, cand{"new(" + typ.Elem().String() + ")", func() reflect.Value { return reflect.New(typ.Elem()) }})
		}
	case typ.Kind() == reflect.Slice && depth == 0:
		out = append(out, zero)
		for _, c := range e.cands(typ.Elem(), depth+1) {
			out = append(out, cand{"[]{" + c.label + "}", func() reflect.Value {
				s := reflect.MakeSlice(typ, 1, 1)
				s.Index(0).Set(c.make())
				return s
			}})
		}
	case typ.Kind() == reflect.Func:
		out = append(out, zero, cand{"func returning zero values", func() reflect.Value {
			return reflect.MakeFunc(typ, func([]reflect.Value) []reflect.Value {
				res := make([]reflect.Value, typ.NumOut())
				for i := range res {
					res[i] = reflect.Zero(typ.Out(i))
				}
				return res
			})
		}})
	case typ.Kind() >= reflect.Int && typ.Kind() <= reflect.Int64:
		out = append(out, zero, cand{"-1", func() reflect.Value { return reflect.ValueOf(-1).Convert(typ) }})
	case typ.Kind() == reflect.String:
		out = append(out, zero, value(`"x"`, "x"), value(`"buyer@example.fi"`, "buyer@example.fi"))
		for i := range out[1:] {
			c := out[i+1]
			out[i+1].make = func() reflect.Value { return c.make().Convert(typ) }
		}
		return out
	default:
		out = append(out, zero)
	}
	if hasLive && !slices.ContainsFunc(out, func(c cand) bool { return c.label == live.label }) {
		out = append(out, live)
	}
	return out
}

// misuseCase is one call.
type misuseCase struct {
	name string
	fn   reflect.Value
	args []cand
	// explicit marks a case of misuseExplicit: its function returns what
	// went wrong, nil when the library behaved.
	explicit bool
}

func (c misuseCase) String() string {
	labels := make([]string, len(c.args))
	for i, a := range c.args {
		labels[i] = a.label
	}
	return c.name + "(" + strings.Join(labels, ", ") + ")"
}

// cases returns the calls of fn: all-zero arguments and all-live arguments,
// and from each of them every parameter's candidates one at a time. recv,
// when not nil, are the candidates of a method's receiver (the first
// parameter of fn).
func (e *misuseEnv) cases(name string, fn reflect.Value, recv []cand) []misuseCase {
	ft := fn.Type()
	params := make([][]cand, ft.NumIn())
	for i := range params {
		if i == 0 && recv != nil {
			params[i] = recv
			continue
		}
		params[i] = e.cands(ft.In(i), 0)
	}
	zeroBase := make([]cand, len(params))
	liveBase := make([]cand, len(params))
	for i, ps := range params {
		zeroBase[i] = ps[0]
		liveBase[i] = ps[len(ps)-1]
		if l, ok := e.live(ft.In(i)); ok && (i > 0 || recv == nil) {
			liveBase[i] = l
		}
	}
	var out []misuseCase
	seen := map[string]bool{}
	add := func(args []cand) {
		c := misuseCase{name: name, fn: fn, args: args}
		if k := c.String(); !seen[k] {
			seen[k] = true
			out = append(out, c)
		}
	}
	bases := [][]cand{zeroBase, liveBase}
	if recv != nil {
		// Every receiver with every careless argument: a zero receiver
		// must cope with working arguments, and a working one with
		// careless arguments.
		bases = nil
		for _, r := range recv {
			for _, b := range [][]cand{zeroBase, liveBase} {
				b = slices.Clone(b)
				b[0] = r
				bases = append(bases, b)
			}
		}
	}
	for _, base := range bases {
		add(base)
		for i, ps := range params {
			for _, p := range ps {
				args := slices.Clone(base)
				args[i] = p
				add(args)
			}
		}
	}
	return out
}

// misuseOutcome is what one call did.
type misuseOutcome struct {
	panicked any
	stack    []byte
	problem  string // a result that shows misuse, e.g. a "%!" in a text
}

// run calls c in a goroutine and reports a panic, a hang (ok false) or a
// bad result.
func (c misuseCase) run() (out misuseOutcome, ok bool) {
	args := make([]reflect.Value, len(c.args))
	for i, a := range c.args {
		args[i] = a.make()
	}
	done := make(chan misuseOutcome, 1)
	go func() {
		var o misuseOutcome
		defer func() {
			if r := recover(); r != nil {
				o.panicked, o.stack = r, debug.Stack()
			}
			done <- o
		}()
		var res []reflect.Value
		if c.fn.Type().IsVariadic() {
			res = c.fn.CallSlice(args)
		} else {
			res = c.fn.Call(args)
		}
		o.problem = checkResults(res)
		if c.explicit && o.problem == "" && !res[0].IsNil() {
			o.problem = res[0].Interface().(error).Error()
		}
	}()
	select {
	case o := <-done:
		return o, true
	case <-time.After(misuseTimeout):
		return misuseOutcome{}, false
	}
}

// checkResults looks into the results for texts a careless call must not
// produce: fmt's "%!" for a missing or wrong argument, in a string or in an
// error's message (which it also makes sure can be printed).
func checkResults(res []reflect.Value) string {
	for _, r := range res {
		var s string
		switch {
		case r.Kind() == reflect.String:
			s = r.String()
		case r.Type() == reflect.TypeFor[error]() && !r.IsNil():
			s = r.Interface().(error).Error()
		case r.Type() == reflect.TypeFor[[]string]():
			s = strings.Join(r.Interface().([]string), "\n")
		}
		if strings.Contains(s, "%!") {
			return fmt.Sprintf("result %q has a formatting error", s)
		}
	}
	return ""
}

// misuseTypeNames returns the keys of misuseTypes in order.
func misuseTypeNames() []string {
	names := make([]string, 0, len(misuseTypes))
	for n := range misuseTypes {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// exportedAPI lists the exported package-level functions and types of
// every library package under root, as "package.Name", from the source.
func exportedAPI(t *testing.T, root string) (funcs, types []string) {
	t.Helper()
	pkgDirs := map[string]string{} // package name → directory, to catch two packages of one name
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if _, skip := misuseSkipDirs[rel]; skip || d.Name() == "testdata" || rel != "." && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		pkg, dir := f.Name.Name, filepath.Dir(rel)
		if other, ok := pkgDirs[pkg]; ok && other != dir {
			t.Errorf("packages %s and %s are both named %s: qualify the names in misuse_test.go", other, dir, pkg)
		}
		pkgDirs[pkg] = dir
		for _, decl := range f.Decls {
			switch decl := decl.(type) {
			case *ast.FuncDecl:
				if decl.Recv == nil && decl.Name.IsExported() {
					funcs = append(funcs, pkg+"."+decl.Name.Name)
				}
			case *ast.GenDecl:
				for _, spec := range decl.Specs {
					if ts, ok := spec.(*ast.TypeSpec); ok && ts.Name.IsExported() {
						types = append(types, pkg+"."+ts.Name.Name)
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return funcs, types
}

// TestMisuse calls the whole exported API with careless arguments and
// receivers; see the comment at the top of this file.
func TestMisuse(t *testing.T) {
	root, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	funcs, types := exportedAPI(t, root)
	for _, f := range funcs {
		if _, ok := misuseFuncs[f]; !ok {
			t.Errorf("exported function %s is not in misuseFuncs: add it there so that TestMisuse calls it", f)
		}
	}
	for _, ty := range types {
		if _, ok := misuseTypes[ty]; !ok {
			t.Errorf("exported type %s is not in misuseTypes: add it there so that TestMisuse calls its methods", ty)
		}
	}
	for f := range misuseFuncs {
		if !slices.Contains(funcs, f) {
			t.Errorf("misuseFuncs lists %s, which the source does not export", f)
		}
	}
	for ty := range misuseTypes {
		if !slices.Contains(types, ty) {
			t.Errorf("misuseTypes lists %s, which the source does not export", ty)
		}
	}
	for name := range misuseExcluded {
		if _, ok := misuseFuncs[name]; !ok {
			t.Errorf("misuseExcluded lists %s, which is not in misuseFuncs", name)
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	doc, err := os.ReadFile(filepath.Join(root, "docparse", "testdata", "ubl-emails.xml"))
	if err != nil {
		t.Fatal(err)
	}
	// Functions given a relative path (file.New("x")) write below the
	// test's own folder.
	t.Chdir(t.TempDir())
	e := &misuseEnv{t: t, ctx: t.Context(), doc: doc}
	e.server = transporttest.NewServer(t, nil)

	var cases []misuseCase
	names := make([]string, 0, len(misuseFuncs))
	for n := range misuseFuncs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if _, ok := misuseExcluded[n]; ok {
			continue
		}
		cases = append(cases, e.cases(n, reflect.ValueOf(misuseFuncs[n]), nil)...)
	}
	for _, n := range misuseTypeNames() {
		typ := misuseTypes[n]
		if typ.Kind() == reflect.Interface {
			continue // no receiver to call its methods on; the implementations are called
		}
		pt := reflect.PointerTo(typ)
		recv := []cand{{"new(" + n + ")", func() reflect.Value { return reflect.New(typ) }}}
		if l, ok := e.live(pt); ok {
			recv = append(recv, l)
		}
		pkg, tname, _ := strings.Cut(n, ".")
		for i := range pt.NumMethod() {
			m := pt.Method(i)
			name := pkg + ".(*" + tname + ")." + m.Name
			if reason, ok := misuseExcluded[name]; ok {
				t.Logf("%s not called: %s", name, reason)
				continue
			}
			cases = append(cases, e.cases(name, m.Func, recv)...)
		}
	}
	for _, ec := range misuseExplicit(e) {
		cases = append(cases, misuseCase{name: "explicit: " + ec.name, fn: reflect.ValueOf(ec.fn), explicit: true})
	}

	var panics, hangs int
	for _, c := range cases {
		o, ok := c.run()
		switch {
		case !ok:
			hangs++
			t.Errorf("HANG %s: no return within %v", c, misuseTimeout)
		case o.panicked != nil:
			panics++
			t.Errorf("PANIC %s: %v\n%s", c, o.panicked, firstFrames(o.stack))
		case o.problem != "":
			t.Errorf("BAD %s: %s", c, o.problem)
		}
	}
	fmt.Printf("MISUSE cases=%d panics=%d hangs=%d\n", len(cases), panics, hangs)
}

// firstFrames keeps the part of a panic's stack that points at the culprit.
func firstFrames(stack []byte) string {
	lines := strings.Split(string(stack), "\n")
	var keep []string
	for i, l := range lines {
		if strings.Contains(l, "github.com/jakelu/jakelu/") && !strings.Contains(l, "misuse_test.go") && i+1 < len(lines) {
			keep = append(keep, l, lines[i+1])
			if len(keep) >= 6 {
				break
			}
		}
	}
	return strings.Join(keep, "\n")
}

// explicitCase is a careless call the generic walk may not reach (it needs
// one careless argument next to working ones), checked for its error too:
// fn returns an error describing what went wrong, nil when the library
// behaved.
type explicitCase struct {
	name string
	fn   func() error
}

// wantErr reports a call that should have failed but did not, or failed
// without matching target (when not nil).
func wantErr(err, target error) error {
	switch {
	case err == nil:
		return errors.New("no error")
	case target != nil && !errors.Is(err, target):
		return fmt.Errorf("error %q does not match %q", err, target)
	}
	return nil
}

// misuseExplicit are the known failures of issue 12 and their relatives,
// each with working arguments around one careless one.
func misuseExplicit(e *misuseEnv) []explicitCase {
	newRouter := func(reg registry.Registry, tr transport.Transport) error {
		r, err := distribution.NewRouter(reg, tr, misuseLiveSettings, nil)
		if r != nil {
			return errors.New("a Router was returned")
		}
		return wantErr(err, nil)
	}
	return []explicitCase{
		{"NewRouter((*registry.Memory)(nil), ...)", func() error {
			return newRouter((*registry.Memory)(nil), &transporttest.Recorder{})
		}},
		{"NewRouter((*sqlregistry.Registry)(nil), ...)", func() error {
			return newRouter((*sqlregistry.Registry)(nil), &transporttest.Recorder{})
		}},
		{"NewRouter(registry.LookupFunc(nil), ...)", func() error {
			return newRouter(registry.LookupFunc(nil), &transporttest.Recorder{})
		}},
		{"NewRouter(..., (*smtp.Transport)(nil))", func() error {
			return newRouter(e.memory(), (*smtp.Transport)(nil))
		}},
		{"NewRouter(..., (*file.Transport)(nil))", func() error {
			return newRouter(e.memory(), (*file.Transport)(nil))
		}},
		{"NewRouter(..., (*transporttest.Recorder)(nil))", func() error {
			return newRouter(e.memory(), (*transporttest.Recorder)(nil))
		}},
		{"NewRouter(..., transport.SendFunc(nil))", func() error {
			return newRouter(e.memory(), transport.SendFunc(nil))
		}},
		{"Router.DistributeDocument(ctx, nil)", func() error {
			res, err := e.router().DistributeDocument(e.deadline(), nil)
			if res == nil || res.Outcome != distribution.Rejected {
				return fmt.Errorf("result %+v, want Rejected", res)
			}
			return wantErr(err, distribution.ErrNilDocument)
		}},
		{"Router.Plan(ctx, nil)", func() error {
			_, err := e.router().Plan(e.deadline(), nil)
			return wantErr(err, distribution.ErrNilDocument)
		}},
		{"Router.Compose(nil, plan)", func() error {
			_, err := e.router().Compose(nil, &distribution.Plan{})
			return wantErr(err, distribution.ErrNilDocument)
		}},
		{"Router.DistributeAll(ctx, nil input)", func() error {
			res := e.router().DistributeAll(e.deadline(), [][]byte{nil}, nil)
			if len(res) != 1 || res[0].Outcome != distribution.Rejected {
				return fmt.Errorf("results %v, want one Rejected", res)
			}
			return nil
		}},
		{"Router{}.Distribute(ctx, document)", func() error {
			_, err := new(distribution.Router).Distribute(e.deadline(), e.doc)
			return wantErr(err, distribution.ErrNotCreated)
		}},
		{"Router{}.DistributeDocument(ctx, document)", func() error {
			_, err := new(distribution.Router).DistributeDocument(e.deadline(), e.document())
			return wantErr(err, distribution.ErrNotCreated)
		}},
		{"Router{}.DistributeAll(ctx, documents)", func() error {
			res := new(distribution.Router).DistributeAll(e.deadline(), [][]byte{e.doc}, nil)
			if len(res) != 1 || !errors.Is(res[0].Err, distribution.ErrNotCreated) {
				return fmt.Errorf("results %v, want one with ErrNotCreated", res)
			}
			return nil
		}},
		{"smtp.Transport{}.Send(context.Background(), msg)", func() error {
			_, err := new(smtp.Transport).Send(context.Background(), misuseMessage())
			return wantErr(err, transport.ErrNoTransport)
		}},
		{"file.Transport{}.Send(ctx, msg)", func() error {
			_, err := new(file.Transport).Send(e.deadline(), misuseMessage())
			return wantErr(err, nil)
		}},
		{"importer.Diff(ctx, nil, batch)", func() error {
			_, err := importer.Diff(e.deadline(), nil, e.batch())
			return wantErr(err, registry.ErrNoRegistry)
		}},
		{"importer.Apply(ctx, nil, batch)", func() error {
			_, err := importer.Apply(e.deadline(), nil, e.batch())
			return wantErr(err, registry.ErrNoRegistry)
		}},
		{"importer.Diff(ctx, (*registry.Memory)(nil), batch)", func() error {
			_, err := importer.Diff(e.deadline(), (*registry.Memory)(nil), e.batch())
			return wantErr(err, nil)
		}},
		{"importer.Apply(ctx, (*sqlregistry.Registry)(nil), batch)", func() error {
			_, err := importer.Apply(e.deadline(), (*sqlregistry.Registry)(nil), e.batch())
			return wantErr(err, nil)
		}},
		{"sqlregistry.New(ctx, nil db, SQLite, tenant, nil)", func() error {
			_, err := sqlregistry.New(e.deadline(), nil, sqlregistry.SQLite, "acme", nil)
			return wantErr(err, sqlregistry.ErrNilDB)
		}},
		{"sqlregistry.Migrate(ctx, nil db, SQLite)", func() error {
			return wantErr(sqlregistry.Migrate(e.deadline(), nil, sqlregistry.SQLite), sqlregistry.ErrNilDB)
		}},
		{"SettingsError{}.Message", func() error {
			for _, lang := range []string{"", "fi", "sv", "en"} {
				if m := (&distribution.SettingsError{}).Message(lang); m == "" || strings.Contains(m, "%!") {
					return fmt.Errorf("Message(%q) = %q", lang, m)
				}
			}
			return nil
		}},
		{"docparse.Parse with a nil ExtractFunc for a built-in root", func() error {
			d, err := docparse.Parse(e.doc, &docparse.Options{Extractors: map[xml.Name]docparse.Extractor{
				{Space: "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2", Local: "Invoice"}: docparse.ExtractFunc(nil),
			}})
			if d != nil {
				return errors.New("a nil ExtractFunc still parsed the document")
			}
			return wantErr(err, nil)
		}},
		{"registrytest.CancelAtCheck(nil, 1) used as a context", func() error {
			ctx := registrytest.CancelAtCheck(nil, 1)
			ctx.Deadline()
			ctx.Value("x")
			err := ctx.Err() // the first check cancels it
			<-ctx.Done()
			return wantErr(err, context.Canceled)
		}},
	}
}
