module github.com/jakelu/jakelu

go 1.26.0

require (
	github.com/beevik/etree v1.8.1
	github.com/emersion/go-sasl v0.0.0-20241020182733-b788ff22d5a6
	github.com/emersion/go-smtp v0.25.1
	golang.org/x/net v0.62.0
	golang.org/x/text v0.44.0
)
