package markdown

import (
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/util"
)

// tableAlign writes table cell alignment as an align attribute: goldmark's
// default is a style attribute, which the site's CSP blocks.
var tableAlign = extension.WithTableCellAlignMethod(extension.TableCellAlignAttribute)

// tableRenderer wraps every table in <div class="table-scroll">, so a wide
// table scrolls inside itself instead of making a phone's page scroll
// sideways (issue #12: charters were 524 px wide at 390). The table
// itself is goldmark's.
type tableRenderer struct{ table renderer.NodeRendererFunc }

func newTableRenderer() *tableRenderer {
	t := &tableRenderer{}
	extension.NewTableHTMLRenderer(tableAlign).RegisterFuncs(captureFuncs(func(k ast.NodeKind, f renderer.NodeRendererFunc) {
		if k == east.KindTable {
			t.table = f
		}
	}))
	return t
}

type captureFuncs func(ast.NodeKind, renderer.NodeRendererFunc)

func (c captureFuncs) Register(k ast.NodeKind, f renderer.NodeRendererFunc) { c(k, f) }

func (r *tableRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(east.KindTable, r.render)
	reg.Register(east.KindTaskCheckBox, taskCheckBox)
}

func (r *tableRenderer) render(w util.BufWriter, source []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		_, _ = w.WriteString("<div class=\"table-scroll\">\n")
	}
	st, err := r.table(w, source, n, entering)
	if !entering {
		_, _ = w.WriteString("</div>\n")
	}
	return st, err
}

// taskCheckBox renders a task list's box with a name (issue #12: axe
// reported the unlabelled boxes as critical). It is disabled: the page
// shows the state, readers cannot change it.
func taskCheckBox(w util.BufWriter, source []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	if n.(*east.TaskCheckBox).IsChecked {
		_, _ = w.WriteString(`<input type="checkbox" checked disabled aria-label="Done"> `)
	} else {
		_, _ = w.WriteString(`<input type="checkbox" disabled aria-label="To do"> `)
	}
	return ast.WalkContinue, nil
}
