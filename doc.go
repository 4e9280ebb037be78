// Package jakelu delivers e-invoices and other business documents by e-mail
// to customers who cannot receive e-invoices yet.
//
// An e-invoicing service (the host app) hands jakelu an outbound document;
// jakelu parses it, finds its recipients — the e-mail address written in the
// document and/or the company's recipient directory (customer number →
// addresses) — composes a localized e-mail (Finnish, Swedish or English) with
// the PDF and the XML attached, sends it through a pluggable transport and
// reports what happened to each recipient.
//
// This package holds no code; it is the map of the module:
//
//	docparse                  Document model, format detection, one extractor per format
//	                          (PEPPOL BIS 3 / UBL, CII, Finvoice incl. SOAP frames, TEAPPSXML)
//	registry                  Registry interface (+ optional Store, Lister, Batcher), Entry, Memory
//	registry/sqlregistry      database/sql directory for SQLite (embedded) and PostgreSQL
//	registry/registrytest     conformance kit for Registry implementations
//	importer                  directory import: rows, validation, all-or-nothing Apply,
//	                          error catalogue in fi/sv/en, templates, export
//	importer/csvimport        CSV reader (gocsv with the library's own *csv.Reader)
//	importer/xlsximport       XLSX reader and template writer (the only package importing excelize)
//	transport                 Message, MIME writer, Transport interface, SendError
//	transport/address         the one address package: Parse, SplitList, ToASCII, Key/Equal
//	transport/smtp            SMTP transport: pooling, STARTTLS/TLS, AUTH, per-recipient results
//	transport/file            writes each message as an .eml file (the embedded default)
//	transport/transporttest   Recorder, fault-injecting SMTP server, conformance kit
//	distribution              Router: company settings, explainable routing plan,
//	                          localized composition, delivery
//	examples/...              runnable programs: quickstart, the jakelu command, a web app
//
// Dependencies flow one way: distribution uses docparse, registry and
// transport; importer uses registry; docparse, registry, importer and
// transport use transport/address, which uses no other jakelu package;
// nothing uses distribution. Every package validates e-mail addresses with
// the one function [address.Parse] and tells two addresses apart with the
// one rule [address.Equal] (case-insensitive, Unicode simple folding).
//
// [address.Parse]: https://pkg.go.dev/github.com/jakelu/jakelu/transport/address#Parse
// [address.Equal]: https://pkg.go.dev/github.com/jakelu/jakelu/transport/address#Equal
package jakelu
