// Package transport holds what the library needs to send e-mail: the one
// address validation function every package uses ([ParseAddress], with
// [SplitAddressList] and [ToASCII]).
package transport
