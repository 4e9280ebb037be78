package main

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jakelu/jakelu/distribution"
	"github.com/jakelu/jakelu/registry"
)

func TestStore(t *testing.T) {
	forEachDB(t, func(t *testing.T, db testDB) {
		e := newEnv(t, db, nil)
		st := e.app.st
		ctx := t.Context()

		t.Run("migrate is idempotent", func(t *testing.T) {
			for range 2 {
				if err := st.migrate(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if n, err := st.companyCount(ctx); err != nil || n != 2 {
				t.Errorf("%d companies, %v; want the fixture's 2", n, err)
			}
		})

		t.Run("a company is created with its user or not at all", func(t *testing.T) {
			_, err := st.createCompany(ctx, "Kopio Oy", user{Email: e.a.email, PasswordHash: "x"})
			if err == nil {
				t.Fatal("a second user with the same address was created")
			}
			if n, _ := st.companyCount(ctx); n != 2 {
				t.Errorf("%d companies after the failed create, want 2", n)
			}
		})

		t.Run("sessions", func(t *testing.T) {
			u, err := st.user(ctx, e.a.email)
			if err != nil {
				t.Fatal(err)
			}
			token, err := st.createSession(ctx, u, clientInfo{Address: "192.0.2.1", UserAgent: "test"})
			if err != nil {
				t.Fatal(err)
			}
			s, err := st.session(ctx, token)
			if err != nil || s.Company != e.a.company || s.Email != e.a.email || s.CSRF == "" || s.ID == token {
				t.Fatalf("session %+v, %v", s, err)
			}
			if _, err := st.session(ctx, token+"x"); !errors.Is(err, errNotFound) {
				t.Errorf("a wrong token: %v", err)
			}
			e.clock.Advance(sessionLifetime + time.Second)
			if _, err := st.session(ctx, token); !errors.Is(err, errNotFound) {
				t.Errorf("an expired session: %v", err)
			}
			if _, err := st.user(ctx, "nobody@example.fi"); !errors.Is(err, errNotFound) {
				t.Errorf("an unknown user: %v", err)
			}
		})

		a := companyData{st: st, companyID: e.a.company.ID, sessionID: "s1"}
		b := companyData{st: st, companyID: e.b.company.ID, sessionID: "s2"}

		t.Run("settings", func(t *testing.T) {
			s, err := a.settings(ctx)
			if err != nil || s.Enabled || !s.Directory || s.Precedence != distribution.DocumentFirst || s.Language != "fi" {
				t.Fatalf("defaults %+v, %v", s, err)
			}
			want := distribution.Settings{Enabled: true, DocumentAddress: true, Precedence: distribution.Both, FromName: "Kukka", ReplyTo: "r@kukka.example", Language: "en"}
			for range 2 { // insert, then update
				if err := a.saveSettings(ctx, want); err != nil {
					t.Fatal(err)
				}
			}
			if got, err := a.settings(ctx); err != nil || !slices.Equal([]any{got.Enabled, got.DocumentAddress, got.Directory, got.Precedence, got.FromName, got.ReplyTo, got.Language},
				[]any{want.Enabled, want.DocumentAddress, want.Directory, want.Precedence, want.FromName, want.ReplyTo, want.Language}) {
				t.Errorf("got %+v, %v; want %+v", got, err, want)
			}
			if got, _ := b.settings(ctx); got.Enabled {
				t.Error("company B got company A's settings")
			}
		})

		t.Run("uploads", func(t *testing.T) {
			u := upload{Kind: "import", FileName: "f.csv", ReplaceAll: true, Data: []byte("1;a@x.example")}
			if err := a.putUpload(ctx, &u); err != nil {
				t.Fatal(err)
			}
			for name, d := range map[string]companyData{
				"another company": {st: st, companyID: e.b.company.ID, sessionID: "s1"},
				"another session": {st: st, companyID: e.a.company.ID, sessionID: "s3"},
			} {
				if _, err := d.upload(ctx, "import", u.ID, true); !errors.Is(err, errNotFound) {
					t.Errorf("%s took the upload: %v", name, err)
				}
			}
			if _, err := a.upload(ctx, "send", u.ID, false); !errors.Is(err, errNotFound) {
				t.Errorf("an upload of another kind: %v", err)
			}
			got, err := a.upload(ctx, "import", u.ID, false)
			if err != nil || got.FileName != "f.csv" || !got.ReplaceAll || string(got.Data) != "1;a@x.example" {
				t.Fatalf("got %+v, %v", got, err)
			}
			if _, err := a.upload(ctx, "import", u.ID, true); err != nil {
				t.Fatal(err)
			}
			if _, err := a.upload(ctx, "import", u.ID, true); !errors.Is(err, errNotFound) {
				t.Errorf("an upload was taken twice: %v", err)
			}
			if err := a.putUpload(ctx, &u); err != nil {
				t.Fatal(err)
			}
			e.clock.Advance(uploadLifetime + time.Second)
			if _, err := a.upload(ctx, "import", u.ID, false); !errors.Is(err, errNotFound) {
				t.Errorf("an expired upload: %v", err)
			}
		})

		t.Run("deliveries", func(t *testing.T) {
			plan := &distribution.Plan{Number: "1", Source: distribution.SourceDirectory, Language: "fi",
				To:    []distribution.Recipient{{Address: "a@x.example", Source: distribution.SourceDirectory, CustomerNumber: "7"}},
				Steps: []distribution.Step{{Code: distribution.StepDirectoryHit, CustomerNumber: "7", To: []string{"a@x.example"}}}}
			var ids []string
			for i := range 5 {
				e.clock.Advance(time.Second)
				dl := delivery{User: "u", File: "f", Number: fmt.Sprint(i), Outcome: distribution.Sent, Plan: plan,
					Recipients: []distribution.RecipientSummary{{Address: "a@x.example", Outcome: "delivered"}}}
				if err := a.addDelivery(ctx, &dl); err != nil {
					t.Fatal(err)
				}
				ids = append(ids, dl.ID)
			}
			var seen []string
			var cur deliveryCursor
			for {
				page, next, err := a.deliveries(ctx, deliveryFilter{}, cur, 2)
				if err != nil {
					t.Fatal(err)
				}
				for _, dl := range page {
					seen = append(seen, dl.ID)
					if dl.Plan == nil || dl.Plan.Explain("en") != plan.Explain("en") || len(dl.Recipients) != 1 {
						t.Errorf("delivery %s came back as %+v", dl.Number, dl)
					}
				}
				if next.ID == "" {
					break
				}
				cur = parseDeliveryCursor(next.String())
			}
			slices.Reverse(ids)
			if !slices.Equal(seen, ids) {
				t.Errorf("pages gave %v, want %v (most recent first)", seen, ids)
			}
			if _, err := b.delivery(ctx, ids[0]); !errors.Is(err, errNotFound) {
				t.Errorf("company B read company A's delivery: %v", err)
			}
			if list, _, err := b.deliveries(ctx, deliveryFilter{}, deliveryCursor{}, 10); err != nil || len(list) != 0 {
				t.Errorf("company B's log: %d, %v", len(list), err)
			}
		})

		t.Run("directories are the companies' own", func(t *testing.T) {
			e.put(t, e.a, registry.Entry{CustomerNumber: "1", To: []string{"a@kukka.example"}})
			if _, err := e.dir(t, e.b).Lookup(ctx, "1"); !errors.Is(err, registry.ErrNotFound) {
				t.Errorf("company B sees company A's entry: %v", err)
			}
		})
	})
}

func TestDeliveryCursor(t *testing.T) {
	for _, s := range []string{"", "x", "12", "12.", ".ID", "a.ID", "1.2.3"} {
		c := parseDeliveryCursor(s)
		if s == "1.2.3" {
			if c != (deliveryCursor{At: 1, ID: "2.3"}) {
				t.Errorf("%q: %+v", s, c)
			}
			continue
		}
		if c != (deliveryCursor{}) {
			t.Errorf("%q gave %+v, want the first page", s, c)
		}
	}
	c := deliveryCursor{At: 1765965600000000, ID: "ABC"}
	if got := parseDeliveryCursor(c.String()); got != c {
		t.Errorf("round trip: %+v", got)
	}
}

// TestDeliveryUpgradeNotFollowed checks that a row of a delivery log made
// before the outbox keeps its outcome and is not followed in the outbox
// (TestDeliveryUpgrade checks the states it gets).
func TestDeliveryUpgradeNotFollowed(t *testing.T) {
	forEachDB(t, func(t *testing.T, db testDB) {
		sqlDB := db.open(t)
		ctx := t.Context()
		for _, stmt := range []string{
			`CREATE TABLE webapp_company (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at BIGINT NOT NULL)`,
			`CREATE TABLE webapp_delivery (
	company_id TEXT NOT NULL REFERENCES webapp_company (id), id TEXT NOT NULL, created_at BIGINT NOT NULL,
	user_email TEXT NOT NULL, file_name TEXT NOT NULL, number TEXT NOT NULL, outcome TEXT NOT NULL,
	message_id TEXT NOT NULL, plan TEXT NOT NULL, recipients TEXT NOT NULL, error TEXT NOT NULL,
	PRIMARY KEY (company_id, id))`,
			`INSERT INTO webapp_company VALUES ('c1', 'Vanha Oy', 1)`,
			`INSERT INTO webapp_delivery VALUES ('c1', 'd1', 5, 'a@vanha.example', 'x.xml', 'X-1', 'partly-sent', 'm@x', 'null',
	'[{"address":"a@b.example","outcome":"delivered"}]', 'one failed')`,
		} {
			if _, err := sqlDB.ExecContext(ctx, stmt); err != nil {
				t.Fatal(err)
			}
		}
		st := &store{db: sqlDB, dialect: db.dialect, now: time.Now}
		for range 2 { // and idempotent
			if err := st.migrate(ctx); err != nil {
				t.Fatal(err)
			}
		}
		dl, err := (companyData{st: st, companyID: "c1"}).delivery(ctx, "d1")
		if err != nil {
			t.Fatal(err)
		}
		if dl.Outcome != "partly-sent" || dl.OutboxID != 0 || dl.Number != "X-1" || len(dl.Recipients) != 1 || dl.HandledBy != "" {
			t.Errorf("the upgraded row: %+v", dl)
		}
		refs, err := st.unsettledDeliveries(ctx, time.Time{})
		if err != nil || len(refs) != 0 {
			t.Errorf("an old row is followed in the outbox: %v %v", refs, err)
		}
	})
}
