// Package textpos turns byte offsets into the 1-based line and column that
// error messages show ("line 3, column 7"; "3:7: …"), for every decoder that
// knows only an offset (encoding/json's errors).
package textpos

import "bytes"

// LineCol returns the 1-based line and column of byte offset off in data;
// an offset outside data is clamped to it. The column counts bytes.
func LineCol(data []byte, off int64) (line, col int) {
	off = max(0, min(off, int64(len(data))))
	before := data[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(off) - bytes.LastIndexByte(before, '\n') // LastIndexByte is -1 on line 1
	return line, col
}
