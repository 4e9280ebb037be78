package riveroutbox

// UpdateStateSQL is the statement storing a message's combined state, for
// the external tests.
var UpdateStateSQL = updateState

// As version 2 stored a message: its bytes deflated, its content hash of
// its JSON.
var (
	Deflated          = deflated
	LegacyContentHash = legacyContentHash
)
