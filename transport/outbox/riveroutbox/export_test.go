package riveroutbox

// Statements the external tests run directly.
var (
	UpdateStateSQL      = updateState
	OutcomeStatementSQL = outcomeStatement
)
