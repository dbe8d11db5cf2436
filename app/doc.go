// Package app will hold the Wails desktop shell: the window, its lifecycle, and the struct
// bound to the webview. It calls the same core as `chelal serve` and never holds SQL or rules.
// The desktop build arrives with the UI shell issue; until then `chelal` without a
// sub-command says so and exits.
package app
