package slacktest_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/compasshq/compass/bot/slacktest"
	"github.com/compasshq/compass/bot/slacktext"
)

func TestCheck(t *testing.T) {
	section := func(n int) slacktext.Block {
		return slacktext.Block{Type: "section", Text: &slacktext.Text{Type: "mrkdwn", Text: strings.Repeat("a", n)}}
	}
	many := func(n int, b slacktext.Block) []slacktext.Block {
		var out []slacktext.Block
		for range n {
			out = append(out, b)
		}
		return out
	}
	fields := func(n, size int) slacktext.Block {
		b := slacktext.Block{Type: "section"}
		for range n {
			b.Fields = append(b.Fields, slacktext.Mrkdwn(strings.Repeat("f", size)))
		}
		return b
	}
	button := func(label string) slacktext.Block {
		return slacktext.Block{Type: "actions", Elements: []slacktext.Element{slacktext.Button{Type: "button", Text: slacktext.Text{Type: "plain_text", Text: label}, ActionID: "a"}}}
	}
	tests := []struct {
		name        string
		text        string
		blocks      []slacktext.Block
		attachments []slacktext.Block
		want        string
	}{
		{"fits", "hi", []slacktext.Block{section(3000), fields(10, 2000), button(strings.Repeat("b", 75))}, many(50, section(10)), ""},
		{"text too long", strings.Repeat("t", 40001), nil, nil, "msg_too_long"},
		{"section too long", "", []slacktext.Block{section(3001)}, nil, "invalid_blocks"},
		{"multi-byte section counted in bytes", "", []slacktext.Block{{Type: "section", Text: &slacktext.Text{Type: "mrkdwn", Text: strings.Repeat("é", 1501)}}}, nil, "invalid_blocks"},
		{"empty section", "", []slacktext.Block{section(0)}, nil, "invalid_blocks"},
		{"too many blocks", "", many(51, section(1)), nil, "invalid_blocks"},
		{"too many fields", "", []slacktext.Block{fields(11, 1)}, nil, "invalid_blocks"},
		{"field too long", "", []slacktext.Block{fields(1, 2001)}, nil, "invalid_blocks"},
		{"header too long", "", []slacktext.Block{{Type: "header", Text: &slacktext.Text{Type: "plain_text", Text: strings.Repeat("h", 151)}}}, nil, "invalid_blocks"},
		{"button text too long", "", []slacktext.Block{button(strings.Repeat("b", 76))}, nil, "invalid_blocks"},
		{"context element too long", "", []slacktext.Block{slacktext.Block{Type: "context", Elements: []slacktext.Element{slacktext.Mrkdwn(strings.Repeat("c", 3001))}}}, nil, "invalid_blocks"},
		{"attachment section too long", "", nil, []slacktext.Block{section(3001)}, "invalid_blocks"},
		{"attachment with too many blocks", "", nil, many(51, section(1)), "invalid_blocks"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var blocks, atts []byte
			if tt.blocks != nil {
				blocks, _ = json.Marshal(tt.blocks)
			}
			if tt.attachments != nil {
				atts, _ = json.Marshal([]map[string]any{{"color": "#fff", "blocks": tt.attachments}})
			}
			code, err := slacktest.Check(tt.text, blocks, atts)
			if code != tt.want {
				t.Errorf("Check = %q (%v), want %q", code, err, tt.want)
			}
			if (err != nil) != (tt.want != "") {
				t.Errorf("Check error = %v, want one only with a code", err)
			}
		})
	}
}
