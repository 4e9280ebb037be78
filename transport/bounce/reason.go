package bounce

import (
	"strings"
)

// A reason is read from the server's words first (they are more precise
// than the status, which many servers set to x.0.0 or get wrong), then
// from the status. The phrase lists are the common wordings of mail
// servers and providers, matched in lower case, in this order: the first
// rule with a matching phrase wins.

type reasonRule struct {
	reason  Reason
	phrases []string
}

var reasonRules = []reasonRule{
	{ReasonNetwork, []string{"host name lookup failure", "ldap server"}},
	{ReasonPolicy, []string{ // the sender, not the recipient, was refused
		"domain of sender", "sender address", "sender domain", "after mail from", ">>> mail from",
		"sender rejected", "sender verify",
	}},
	{ReasonExpired, []string{
		"retry timeout exceeded", "retry time not reached for any host after a long failure period",
		"message expired", "delivery time expired", "queue lifetime", "could not be delivered within",
		"was not delivered within", "delivery expired", "time limit exceeded", "message timed out",
		"too long in queue", "undeliverable for", "maximum time", "expired after",
		"retry period", "delivery period", "could not deliver the message in the time limit",
		"timed out", "delay in the delivery", "could not be delivered for",
	}},
	{ReasonMailboxFull, []string{
		"mailbox full", "mailbox is full", "mailbox has exceeded", "mailbox exceeded", "over quota",
		"overquota", "quota exceeded", "exceeded storage", "exceeds quota", "insufficient storage",
		"mailbox size limit", "mailfolder is full", "disk quota", "quota exceed", "user is over",
		"full mailbox", "not enough storage", "exceeded its quota", "mail quota", "mailbox would exceed",
		"inbox is full", "account is full", "exceeding its mailbox quota", "recipient's mailbox is full",
		"out of storage", "too much mail data", "is full", "over its quota", "storage limit",
		"mailbox full", "quota",
	}},
	{ReasonTooLarge, []string{
		"message too large", "message too big", "message is too large", "message is too big",
		"message size exceeds", "exceeds size limit", "size exceeds", "exceeds the maximum size",
		"message length exceeds", "message size limit", "too large", "message exceeds",
		"exceeded the max message size", "mail size",
	}},
	{ReasonHasMoved, []string{
		"has been moved", "address has moved", "has moved", "no longer valid; use", "user has moved",
	}},
	{ReasonNotAccepting, []string{
		"does not accept mail", "doesn't accept mail", "null mx", "indicated no smtp service",
		"couldn't find a mail exchanger", "no mx found for domain", "not accept any mail",
		"accepts no mail", "not accepting mail", "domain does not receive mail",
	}},
	{ReasonSuspended, []string{
		"account disabled", "mailbox disabled", "account has been disabled", "has been disabled",
		"is disabled", "suspended", "account is inactive", "mailbox is inactive", "inactive account",
		"inactive user", "account inactive", "not active", "mailbox inactive", "account is locked",
		"account has expired", "account expired", "deactivated", "is frozen", "temporarily disabled",
		"mailbox unavailable or disabled", "is not activated", "disabled recipient",
	}},
	{ReasonUserUnknown, []string{
		"user unknown", "unknown user", "no such user", "user not found", "recipient not found",
		"unknown recipient", "no such recipient", "mailbox not found", "mailbox does not exist",
		"mailbox unavailable", "account does not exist", "address does not exist", "user does not exist",
		"recipient does not exist", "does not exist", "no mailbox", "invalid recipient",
		"unrouteable address", "not a valid mailbox", "no such mailbox", "addressee unknown",
		"invalid mailbox", "unknown address", "no mailbox here by that name", "user is unknown",
		"bad destination mailbox", "recipientnotfound", "unknown local part", "unknown local-part",
		"recipient unknown", "is not a valid", "email account that you tried to reach does not exist",
		"doesn't have a", "no such address", "user doesn't exist", "not our customer",
		"recipient name is not recognized", "unknown or illegal alias", "not listed in",
		"could not be found", "no such account", "recipient rejected", "invalid address",
		"address unknown", "mailbox is not", "user invalid", "unknown mailbox", "does not have an account",
		"destination addresses were unknown", "address not found", "undeliverable address",
		"no user", "user suspended or not found", "rejected recipient", "address is invalid",
		"cannot find", "not exist", "non-existent", "nonexistent", "unknown account",
		"dd this user doesn't have", "account is not", "not found in",
		"invalid user", "user not exist", "mailbox not available", "no valid recipients",
		"no account by that name", "存在しません", "宛先不明", "ユーザが存在しない", "and other recipients in the same domain", "invalid final delivery userid", "recipient address rejected: access denied", "recipient address rejected.", "destinataire invalide",
	}},
	{ReasonHostUnknown, []string{
		"host unknown", "host not found", "unknown host", "domain not found", "no such domain",
		"unrouteable mail domain", "domain does not exist", "name service error", "host or domain name not found",
		"couldn't find any host", "no mx", "domain not exist", "nxdomain", "unknown domain",
		"domain name not found", "host is unknown", "invalid domain", "no route to domain",
		"domain is not", "no such host", "mx not found", "name or service not known", "unresolvable",
		"domain doesn't exist", "unable to resolve", "dns lookup failed",
		"non-existent domain", "no valid mx", "address resolution failed", "illegal host/domain name",
		"bad destination system address", "domain is not reachable",
	}},
	{ReasonBlocked, []string{ // block lists, whose names say "spam"
		"blocked using", "spamhaus", "spamcop", "dnsbl", "blacklisted", "blocklisted",
	}},
	{ReasonSpam, []string{
		"spam", "junk mail", "virus", "malware", "infected", "content rejected", "message content",
		"content filter", "bulk mail", "unsolicited", "phishing", "suspicious", "looks like",
		"scored", "filtered", "dangerous", "prohibited", "not allowed content", "banned",
	}},
	{ReasonBlocked, []string{
		"blocked", "blacklist", "block list", "blocklist", "listed in", "rbl", "spamhaus", "spamcop",
		"reputation", "client host rejected", "reverse dns", "ptr record", "no ptr", "rdns",
		"reverse lookup", "access denied", "not allowed to send", "refused", "too many connections",
		"too many messages", "rate limit", "throttl", "denied", "poor", "dnsbl", "your ip",
		"connection rate", "deferred due to", "greylist", "graylist",
	}},
	{ReasonPolicy, []string{
		"policy", "dmarc", "spf", "dkim", "authentication", "not authorized", "relay", "relaying",
		"sender address rejected", "sender rejected", "mail from", "sender verify", "security",
		"tls", "encryption", "not permitted", "syntax", "rfc", "message header", "header error",
		"invalid header", "not compliant", "rejected", "5.7.",
	}},
	{ReasonNetwork, []string{
		"connection refused", "network", "unable to connect", "lost connection", "establish an smtp connection",
		"no route to host", "connection reset", "timeout", "could not connect",
		"connect to", "dns", "unreachable", "host not responding", "conversation with",
	}},
	{ReasonExpired, []string{"in the queue too long"}},
	{ReasonSystem, []string{
		"system error", "internal error", "configuration error",
		"mail loop", "loop", "too many hops", "server error", "system", "resources",
		"local error", "out of memory", "disk full", "ldap", "mailer error", "unavailable",
		"try again", "not available", "internal server error",
	}},
}

// statusReasons maps RFC 3463 subject.detail codes to a reason when the
// words say nothing known.
var statusReasons = map[string]Reason{
	"1.1": ReasonUserUnknown, "1.0": ReasonOther, "1.2": ReasonHostUnknown, "1.3": ReasonPolicy,
	"1.4": ReasonUserUnknown, "1.6": ReasonHasMoved, "1.7": ReasonPolicy, "1.8": ReasonPolicy,
	"1.10": ReasonNotAccepting,
	"2.0":  ReasonOther, "2.1": ReasonSuspended, "2.2": ReasonMailboxFull, "2.3": ReasonTooLarge, "2.4": ReasonSystem,
	"3.0": ReasonSystem, "3.1": ReasonMailboxFull, "3.2": ReasonSystem, "3.3": ReasonSystem, "3.4": ReasonTooLarge, "3.5": ReasonSystem,
	"4.0": ReasonNetwork, "4.1": ReasonNetwork, "4.2": ReasonNetwork, "4.3": ReasonSystem, "4.4": ReasonNetwork,
	"4.5": ReasonNetwork, "4.6": ReasonSystem, "4.7": ReasonExpired,
	"5.0": ReasonPolicy, "5.1": ReasonPolicy, "5.2": ReasonPolicy, "5.3": ReasonTooLarge, "5.4": ReasonPolicy,
	"6.0": ReasonSpam, "6.1": ReasonSpam,
	"7.0": ReasonPolicy, "7.1": ReasonBlocked, "7.7": ReasonPolicy, "7.8": ReasonPolicy,
	"7.9": ReasonPolicy, "7.25": ReasonBlocked, "7.26": ReasonPolicy, "7.23": ReasonPolicy,
	"7.27": ReasonNotAccepting,
}

// classify returns the reason for a diagnostic (in any case) and status.
// The generic wordings of refusals (rejected, denied, policy, system) say
// less than an addressing status (5.1.1, 5.1.2, 5.1.6, 5.2.2): with such a
// status they give way to it.
func classify(diag, status string) Reason {
	ld := strings.ToLower(diag)
	if ld != "" {
		for _, rule := range reasonRules {
			for _, p := range rule.phrases {
				if strings.Contains(ld, p) {
					if weakReasons[rule.reason] && len(status) >= 5 {
						if r, ok := strongStatus[status[2:]]; ok {
							return r
						}
					}
					return rule.reason
				}
			}
		}
	}
	if len(status) >= 5 {
		if r, ok := statusReasons[status[2:]]; ok {
			return r
		}
	}
	return ReasonOther
}

// weakReasons are the reasons whose phrases are generic.
var weakReasons = map[Reason]bool{ReasonPolicy: true, ReasonBlocked: true, ReasonNetwork: true, ReasonSystem: true}

// strongStatus are the statuses that name the address's fate.
var strongStatus = map[string]Reason{"1.1": ReasonUserUnknown, "1.2": ReasonHostUnknown, "1.6": ReasonHasMoved, "2.2": ReasonMailboxFull}

// dataPhase reports whether a diagnostic says the refusal came after the
// DATA command: the server accepted the recipient, so a "user unknown"
// then is a content filter's wording, not a missing mailbox.
func dataPhase(d string) bool {
	ld := strings.ToLower(d)
	for _, p := range []string{"end of data", "after data", "data command", ">>> data", "smtp command data", "command: data", "after end of data"} {
		if strings.Contains(ld, p) {
			return true
		}
	}
	return false
}
