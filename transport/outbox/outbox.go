package outbox

import (
	"context"
	"database/sql"
	"strconv"
	"time"

	"github.com/jakelu/jakelu/transport"
)

// ID identifies one message in an outbox. IDs grow with enqueue order, so
// they also serve as the keyset cursor of [Query.After].
type ID int64

// String returns the decimal form of id.
func (id ID) String() string { return strconv.FormatInt(int64(id), 10) }

// ParseID parses the decimal form of an ID, as [ID.String] writes it.
func ParseID(s string) (ID, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, &Error{Op: "parse id", Err: ErrInvalid, Detail: "an outbox ID is a positive decimal number, got " + strconv.Quote(s)}
	}
	return ID(n), nil
}

// State is the state of one recipient of a message, and of a message as
// a whole (see [Status.State]).
type State string

// The states. A recipient starts [Pending]; it is [Sending] from the
// moment its SMTP transaction may begin until its outcome is committed;
// [Delivered], [Failed], [Expired] and [Cancelled] are final; [Deferred]
// waits for its next attempt; [Ambiguous] waits for a person under the
// [Hold] policy ([Outbox.Release] or [Outbox.Dismiss]).
const (
	Pending   State = "pending"   // accepted, not tried yet
	Sending   State = "sending"   // an SMTP transaction may be under way
	Delivered State = "delivered" // the server accepted it (2xx after the dot)
	Deferred  State = "deferred"  // a temporary failure; retried later
	Failed    State = "failed"    // a permanent failure (5xx); never retried
	Ambiguous State = "ambiguous" // may or may not have been delivered
	Expired   State = "expired"   // still deferred when MaxAge passed
	Cancelled State = "cancelled" // cancelled before it was delivered
	// Bounced: a report (a bounce) came back saying the message did not
	// arrive, also after the server had accepted it (Delivered); see
	// [BounceHandler].
	Bounced State = "bounced"
	// Suppressed: not sent, because the address is on the tenant's
	// suppression list (see [Suppressions]) at send time.
	Suppressed State = "suppressed"
)

// States returns every state, in the order above, in a new slice.
func States() []State {
	return []State{Pending, Sending, Delivered, Deferred, Failed, Ambiguous, Expired, Cancelled, Bounced, Suppressed}
}

// ParseState returns the state named s ("pending", "delivered" …).
func ParseState(s string) (State, error) {
	for _, st := range States() {
		if string(st) == s {
			return st, nil
		}
	}
	return "", &Error{Op: "parse state", Err: ErrInvalid, Detail: "unknown state " + strconv.Quote(s) + "; use pending, sending, delivered, deferred, failed, ambiguous, expired, cancelled, bounced or suppressed"}
}

// Final reports whether no attempt will ever change s again: delivered,
// failed, expired, cancelled, bounced or suppressed (a later bounce report
// may still turn delivered into bounced). An [Ambiguous] recipient is not
// final: a person may release it.
func (s State) Final() bool {
	return s == Delivered || s == Failed || s == Expired || s == Cancelled || s == Bounced || s == Suppressed
}

// Open reports whether a worker still has something to do for a
// recipient in s: pending, sending or deferred. A held ambiguous
// recipient is not open.
func (s State) Open() bool { return s == Pending || s == Sending || s == Deferred }

// Combine returns the state of a message whose recipients are in states:
// the first of sending, deferred, pending, ambiguous, bounced, failed,
// suppressed, expired, cancelled and delivered that any recipient is in;
// "" for none.
func Combine(states ...State) State {
	order := CombineOrder()
	best := len(order)
	for _, s := range states {
		for i, o := range order {
			if s == o && i < best {
				best = i
			}
		}
	}
	if best == len(order) {
		return ""
	}
	return order[best]
}

// CombineOrder returns the order of [Combine], in a new array: the
// first state any recipient is in is the message's.
func CombineOrder() [10]State {
	return [...]State{Sending, Deferred, Pending, Ambiguous, Bounced, Failed, Suppressed, Expired, Cancelled, Delivered}
}

// Ambiguity is what a worker does with a recipient whose outcome is
// ambiguous: the connection was lost after the final dot, or a worker died
// between committing the recipient as [Sending] and committing the outcome.
type Ambiguity int

// The ambiguity policies.
const (
	// Hold keeps the recipient [Ambiguous]: reported, not retried, until
	// a person releases it (re-sent with the same bytes and Message-ID) or
	// dismisses it. The default: never send twice without asking.
	Hold Ambiguity = iota
	// Retry re-sends an ambiguous recipient like a deferred one: "twice
	// rather than never". Every such re-send is counted in
	// [RecipientStatus.Ambiguities].
	Retry
)

// String returns "hold" or "retry".
func (a Ambiguity) String() string {
	if a == Retry {
		return "retry"
	}
	return "hold"
}

// Schedule says when a deferred recipient is tried again and when it gives
// up. The zero value means [DefaultSchedule].
type Schedule struct {
	// Delays are the waits after the first, second … failed attempt;
	// after the last one Every applies.
	Delays []time.Duration
	// Every is the wait after the attempts Delays covers.
	Every time.Duration
	// MaxAge is how long after enqueueing a recipient may be retried: a
	// recipient still deferred after an attempt at or beyond it becomes
	// [Expired], with the last reply.
	MaxAge time.Duration
	// Snooze is the wait after a reply saying the server is busy (421) or
	// out of storage (452): such an attempt does not count, so it does
	// not move the recipient along Delays.
	Snooze time.Duration
}

// DefaultSchedule returns the default schedule: 1 m, 5 m, 15 m, 30 m, 1 h,
// 2 h, then every 4 h, for 5 days (Postfix's maximal_queue_lifetime); a
// busy server is tried again after 1 m.
func DefaultSchedule() Schedule {
	return Schedule{
		Delays: []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour},
		Every:  4 * time.Hour, MaxAge: 5 * 24 * time.Hour, Snooze: time.Minute,
	}
}

// Normalized returns s with every zero field taken from [DefaultSchedule]
// (Delays only when nil).
func (s Schedule) Normalized() Schedule {
	d := DefaultSchedule()
	if s.Delays == nil {
		s.Delays = d.Delays
	}
	if s.Every <= 0 {
		s.Every = d.Every
	}
	if s.MaxAge <= 0 {
		s.MaxAge = d.MaxAge
	}
	if s.Snooze <= 0 {
		s.Snooze = d.Snooze
	}
	return s
}

// Delay returns the wait after the n-th failed attempt (n ≥ 1) of a
// schedule normalized with [Schedule.Normalized].
func (s Schedule) Delay(n int) time.Duration {
	if n >= 1 && n <= len(s.Delays) {
		return s.Delays[n-1]
	}
	return s.Every
}

// EnqueueOptions are the per-message options of [Outbox.Enqueue]. A nil
// *EnqueueOptions means the zero value.
type EnqueueOptions struct {
	// Tenant is the company the message is sent for; List filters by it.
	Tenant string
	// IdempotencyKey makes Enqueue safe to repeat: the same key (within
	// the tenant) and the same content returns the first ID, the same key
	// with other content is refused with [ErrIdempotencyConflict]. ""
	// means no key.
	IdempotencyKey string
	// DocumentRef is the host's reference to the document sent (e.g.
	// "invoice 2024-001"), shown in List and searchable.
	DocumentRef string
	// NotBefore delays the first attempt; zero means at once.
	NotBefore time.Time

	// DocumentKey names the document the message sends (e.g. seller,
	// document type and number) for the duplicate guard: while a message
	// with the same key of the same tenant, enqueued within
	// DuplicateWindow, may have reached a recipient (not every recipient
	// failed, was cancelled or expired), Enqueue refuses with a
	// [*DuplicateError]. "" means no guard.
	DocumentKey string
	// DuplicateWindow is how far back the guard looks; 0 means 7 days.
	DuplicateWindow time.Duration
	// AllowDuplicate lets an explicit resend through the guard; RequestedBy
	// (required with it) records who asked. The resend must carry a new
	// Message-ID.
	AllowDuplicate bool
	RequestedBy    string

	// Part marks a further message of the document the item before it in
	// the same batch ([Batcher]) sends, with the same Tenant and
	// DocumentKey (e.g. "scan" for a scanning service's e-mail beside the
	// standard one): the duplicate guard is checked once for the two, so
	// the message before never refuses it, and either both are stored or
	// both are refused. "" means a message of its own.
	Part string
}

// DefaultDuplicateWindow is the duplicate guard's default window.
const DefaultDuplicateWindow = 7 * 24 * time.Hour

// Item is one message of a batch enqueue ([Batcher]).
type Item struct {
	Msg  *transport.Message
	Opts *EnqueueOptions
}

// ItemResult is what a batch enqueue did with one [Item]: its ID, or why
// it was refused (an input error of [transport.Compose],
// [ErrIdempotencyConflict] or a [*DuplicateError]); nothing is stored for
// a refused item.
type ItemResult struct {
	ID  ID
	Err error
}

// Batcher is implemented by outboxes that enqueue many messages in one
// transaction, for batches.
type Batcher interface {
	// EnqueueBatch enqueues items in tx (or a transaction of its own)
	// and returns one result per item, in order. A refused item does not
	// stop the others; the error is for a failure of the whole batch
	// (then nothing is stored, and a caller's tx must be rolled back).
	EnqueueBatch(ctx context.Context, tx *sql.Tx, items []Item) ([]ItemResult, error)
}

// TxBeginner is implemented by outboxes that keep their messages in a
// *sql.DB: BeginTx begins a transaction of that database, which their
// Enqueue and EnqueueBatch take. distribution's Router.EnqueueAll uses it
// to store a large batch in parts, each while the next is composed, in one
// transaction.
type TxBeginner interface {
	BeginTx(ctx context.Context) (*sql.Tx, error)
}

// Status is what an outbox knows about one message.
type Status struct {
	ID          ID
	Tenant      string
	MessageID   string // the Message-ID, without angle brackets
	DocumentRef string
	State       State     // the recipients' states combined (see [Combine])
	Enqueued    time.Time // when Enqueue committed it
	Updated     time.Time // the last state change of a recipient
	// Pruned is set once the message's bytes were removed after the
	// retention period: it can no longer be sent, its record stays.
	Pruned     bool
	Recipients []RecipientStatus
}

// RecipientStatus is the state of one recipient of a message.
type RecipientStatus struct {
	Address  string // as [address.Parse] returns it
	State    State
	Attempts int // SMTP transactions begun for it (busy-server replies not counted)
	// Code, EnhancedCode and Text are the last reply that decided its
	// state (or the error when there was no reply), 0 and "" for none.
	Code         int
	EnhancedCode string
	Text         string
	// NextAttempt is when a deferred or pending recipient is due; zero
	// otherwise.
	NextAttempt time.Time
	// Ambiguities counts how often its outcome was ambiguous; under
	// [Retry] each one may have been a duplicate.
	Ambiguities int
	// Dismissed is set when a person closed its ambiguity with
	// [Outbox.Dismiss].
	Dismissed bool
}

// Query selects messages for [Outbox.List]. Zero fields do not filter.
type Query struct {
	Tenant string
	State  State     // the message's combined state
	Since  time.Time // enqueued at or after
	// Search matches a substring of the Message-ID, the document
	// reference or a recipient address (case-insensitive for ASCII).
	Search string
	After  ID  // the keyset cursor: only IDs below it (newest first); 0 to start
	Limit  int // page size; 0 means 100, at most 1000
}

// Page is one page of [Outbox.List], newest first.
type Page struct {
	Messages []Status
	// Next is the After of the following page, 0 on the last one.
	Next ID
	// Counts has the number of messages per combined state matching the
	// query without its State and After (for tabs such as "ambiguous 3").
	Counts map[State]int
}

// Change is one state change of one recipient, given to an OnChange hook
// after it was committed.
type Change struct {
	ID           ID
	Tenant       string
	MessageID    string
	DocumentRef  string
	Address      string
	From, To     State
	Attempts     int
	Code         int
	EnhancedCode string
	Text         string
	At           time.Time
}

// Outbox is the host-facing side of a durable outbox: it accepts messages
// and reports and changes their state. Package transport/outbox/riveroutbox
// implements it on River; workers delivering the messages are started
// there. Implementations must be safe for concurrent use.
type Outbox interface {
	// Enqueue composes msg once and stores its bytes, Message-ID and
	// envelope for delivery, in tx when tx is not nil (the message then
	// exists only if tx commits) or in a transaction of its own. It
	// returns [ErrIdempotencyConflict] (see [EnqueueOptions]) and input
	// errors of [transport.Compose] (see [transport.IsInput]).
	Enqueue(ctx context.Context, tx *sql.Tx, msg *transport.Message, opts *EnqueueOptions) (ID, error)
	// Status returns the message's state per recipient, or [ErrNotFound].
	Status(ctx context.Context, id ID) (*Status, error)
	// List returns one page of messages matching q, newest first.
	List(ctx context.Context, q Query) (*Page, error)
	// Cancel cancels every recipient not delivered yet and not in the
	// middle of an SMTP transaction (that one keeps its outcome). It
	// returns [ErrNotFound], or [ErrNotCancellable] when no recipient
	// could be cancelled.
	Cancel(ctx context.Context, id ID) error
	// Release re-sends ambiguous recipients (all of them when rcpts is
	// empty) with the same bytes and Message-ID. It returns [ErrNotFound],
	// or [ErrNotAmbiguous] when none of them is ambiguous.
	Release(ctx context.Context, id ID, rcpts []string) error
	// Dismiss closes the ambiguity of recipients (all when rcpts is
	// empty) without sending: they stay ambiguous, marked dismissed. It
	// returns [ErrNotFound] or [ErrNotAmbiguous].
	Dismiss(ctx context.Context, id ID, rcpts []string) error
}
