package outbox

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jakelu/jakelu/internal/i18n"
)

// The errors an [Outbox] returns, inside an [*Error]; match them with
// errors.Is.
var (
	// ErrNotFound: no message has the ID.
	ErrNotFound = errors.New("outbox: no such message")
	// ErrIdempotencyConflict: the idempotency key was used before for a
	// message with other content.
	ErrIdempotencyConflict = errors.New("outbox: idempotency key already used for other content")
	// ErrNotCancellable: every recipient was already delivered, failed,
	// expired, cancelled or is being sent.
	ErrNotCancellable = errors.New("outbox: nothing left to cancel")
	// ErrNotAmbiguous: Release or Dismiss named no recipient that is
	// ambiguous (and not dismissed, for Dismiss).
	ErrNotAmbiguous = errors.New("outbox: no ambiguous recipient to release or dismiss")
	// ErrPruned: the message's bytes were removed after the retention
	// period, so it cannot be sent again.
	ErrPruned = errors.New("outbox: the message's content was pruned")
	// ErrInvalid: an argument or option is not usable.
	ErrInvalid = errors.New("outbox: invalid argument")
	// ErrNoTransport: workers were started without a transport that can
	// send stored bytes.
	ErrNoTransport = errors.New("outbox: no transport to deliver with")
	// ErrDuplicateDocument is matched by every [*DuplicateError].
	ErrDuplicateDocument = errors.New("outbox: the document was already sent")
)

// DuplicateError is the refusal of the duplicate guard (see
// [EnqueueOptions.DocumentKey]): the same document was enqueued before
// and may have reached a recipient.
type DuplicateError struct {
	Previous    ID        // the earlier message
	SentAt      time.Time // when the earlier message was accepted for sending
	SameContent bool      // whether the earlier message had the same content
}

// Error says which message sent the document and how to send it again.
func (e *DuplicateError) Error() string {
	same := "with other content"
	if e.SameContent {
		same = "with the same content"
	}
	return fmt.Sprintf("outbox: the document was already sent %s as message %d at %s; to send it again, ask for an explicit resend (AllowDuplicate, with who asked)",
		same, e.Previous, e.SentAt.UTC().Format(time.RFC3339))
}

// Is matches [ErrDuplicateDocument].
func (e *DuplicateError) Is(target error) bool { return target == ErrDuplicateDocument }

// Message explains the refusal in lang ("fi", "sv" or "en").
func (e *DuplicateError) Message(lang string) string {
	at := e.SentAt.Local()
	return i18n.Text(lang, "outbox.error.duplicate", i18n.FormatDate(lang, at.Format(time.DateOnly))+" "+at.Format("15:04"))
}

// Error is the error of an outbox operation: which, on which message, and
// why (Err is one of the sentinels above, a [transport] input error or a
// database error).
type Error struct {
	Op     string // e.g. "enqueue", "release"
	ID     ID     // the message, 0 when none
	Err    error
	Detail string // what exactly, and what to do; may be ""
}

// Error returns "outbox: OP [message ID]: DETAIL: ERR".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("outbox: " + e.Op)
	if e.ID != 0 {
		b.WriteString(" message " + e.ID.String())
	}
	if e.Detail != "" {
		b.WriteString(": " + e.Detail)
	}
	if e.Err != nil {
		b.WriteString(": " + strings.TrimPrefix(e.Err.Error(), "outbox: "))
	}
	return b.String()
}

// Unwrap returns Err.
func (e *Error) Unwrap() error { return e.Err }

// Message explains the error in lang ("fi", "sv" or "en"; anything else
// gives English) for the person using the host application.
func (e *Error) Message(lang string) string {
	key := "outbox.error.internal"
	switch {
	case errors.Is(e.Err, ErrNotFound):
		key = "outbox.error.not-found"
	case errors.Is(e.Err, ErrIdempotencyConflict):
		key = "outbox.error.idempotency"
	case errors.Is(e.Err, ErrNotCancellable):
		key = "outbox.error.not-cancellable"
	case errors.Is(e.Err, ErrNotAmbiguous):
		key = "outbox.error.not-ambiguous"
	case errors.Is(e.Err, ErrPruned):
		key = "outbox.error.pruned"
	case errors.Is(e.Err, ErrInvalid):
		key = "outbox.error.invalid"
	case errors.Is(e.Err, ErrNoTransport):
		key = "outbox.error.no-transport"
	case errors.Is(e.Err, ErrDuplicateDocument):
		var d *DuplicateError
		if errors.As(e.Err, &d) {
			return d.Message(lang)
		}
		return i18n.Text(lang, "outbox.error.duplicate", "?")
	}
	return i18n.Text(lang, key)
}
