// Package distribution is where jakelu's parts meet: the [Router] takes an
// outbound document, decides who receives it under a company's settings,
// explains that decision, composes a localized e-mail and sends it.
//
// A host app builds one Router per company (it is cheap, so building one per
// request is fine) from the company's recipient directory
// ([registry.Registry]), a [transport.Transport] and its [Settings]:
//
//	router, err := distribution.NewRouter(directory, smtpTransport, distribution.Settings{
//		Enabled: true, DocumentAddress: true, Directory: true,
//		From: "invoices@operator.example",
//	}, nil)
//	res, err := router.Distribute(ctx, invoiceXML)
//
// # Routing
//
// Two methods give recipients. Method 1 (Settings.DocumentAddress) uses the
// buyer e-mail addresses written in the document. Method 2
// (Settings.Directory) looks the document's customer numbers up in the
// directory, in docparse's order (or the kinds and order in
// Settings.CustomerNumberKinds); the first hit gives To and Cc. When both
// give addresses, Settings.Precedence decides: the document's
// ([DocumentFirst], the default; the directory is then not consulted), the
// directory's ([DirectoryFirst]) or both ([Both], de-duplicated). With the
// master switch (Settings.Enabled) off nothing is parsed or sent.
//
// [Router.Plan] makes this decision without sending anything and records
// every step; [Plan.Explain] renders it as sentences in Finnish, Swedish or
// English.
//
// One e-mail never goes to more than Options.MaxRecipients addresses, To
// and Cc counted together ([DefaultMaxRecipients], 50, when 0): a document
// whose decision gives more is not sent at all, its plan has no recipients
// and its last step says why, and Plan and Distribute return a
// [*TooManyRecipientsError] (outcome Rejected). The plan lists the
// document's addresses up to that limit and counts the rest in one step.
//
// # Outcomes
//
// Every document given to [Router.Distribute] or [Router.DistributeAll]
// ends in exactly one [Outcome]: Sent, PartlySent, Failed (permanent),
// Deferred (temporary: retry later), Ambiguous (maybe delivered: the
// connection was lost after the message was sent), Rejected (input error,
// too many recipients) or NotRouted (no recipient, or distribution off). The Result carries the
// plan, the Message-ID and the transport's per-recipient receipt. The
// Message-ID is derived from the company, the document number, the
// document's bytes and the recipients, so a repeated distribution of the
// same document is recognisable downstream.
//
// # E-mails
//
// The e-mail's language is the directory entry's, else the document's,
// else the company's default (Settings.Language), else English; "fi-FI",
// "FI", "fin" (Finnish) and "sv-FI", "sv_SE" (Swedish) resolve as a person
// expects, through the one language matcher the whole library (and every
// Message(lang)) uses.
//
// Subjects and bodies come from templates per language (built-in ones for
// invoices and credit notes in fi/sv/en; override them with
// Options.Templates) executed with [MailData]. The text and HTML parts
// summarise what the customer needs (seller, number, dates, amount due,
// payment reference, account) and say why the customer receives the
// document by e-mail; they call a credit note a credit note, name the
// operator who sends on the seller's behalf (Settings.Operator), give the
// seller's business ID and contact and end with a closing. The document's
// embedded PDFs, or when it has none its invoice image rendered with
// package distribution/invoicepdf (Settings.InvoiceImage,
// Options.InvoiceImage), come first, then its XML, named after the kind
// and number in the e-mail's language ("lasku-260105.pdf",
// "kreditfaktura-CN-9.xml"). [Plan].PDF says which PDF was attached and
// why; an image that cannot be rendered never stops the e-mail. A template
// says what is attached from MailData.HasPDF, Rendered and XML; XML is
// false in the scan delivery profile's e-mail, which carries one PDF and
// no XML, so its text must not promise the XML then.
//
// # Reports
//
// [Result.Summary] gives a Result as a report shows it (JSON-ready: number,
// outcome, source, Message-ID, each recipient's outcome, the plan explained
// in a language, the error): the jakelu command's send --json and the
// example web app's delivery log both use it.
//
// # Errors
//
// [ErrDistributionDisabled], [ErrNoRecipient] (as [*NoRecipientError]
// carrying the plan), [ErrLookup] (as [*LookupError]: the directory
// failed; retry later), [ErrTooLarge] (as [*TooLargeError]),
// [ErrTooManyRecipients] (as [*TooManyRecipientsError]),
// [ErrInvalidSettings] (as [*SettingsError]), [ErrSeveralDocuments], and
// the errors of docparse and transport, wrapped in a Result. Every typed
// error matches its sentinel with [errors.Is], and each has a
// Message(lang) that says what to do in Finnish, Swedish or English.
//
// Careless calls get errors, not panics: a nil document is Rejected with
// [ErrNilDocument]; a Router not made by [NewRouter] (a nil *Router,
// Router{}) leaves every document Deferred with [ErrNotCreated]; NewRouter
// treats a typed-nil registry such as (*registry.Memory)(nil) as no
// registry and refuses a nil or typed-nil transport (an error matching
// transport.ErrNoTransport). A nil context means context.Background().
//
// # Concurrency
//
// A Router is safe for concurrent use; it keeps no state between calls
// besides its configuration. Contexts are honoured by the registry and the
// transport.
package distribution
