package slacktext

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Block is a Block Kit layout block: section, context, actions, header.
type Block struct {
	Type     string    `json:"type"`
	BlockID  string    `json:"block_id,omitempty"`
	Text     *Text     `json:"text,omitempty"`
	Fields   []Text    `json:"fields,omitempty"`
	Elements []Element `json:"elements,omitempty"`
}

// Element is something inside a context or actions block: a Text or a
// Button.
type Element interface{ element() }

// Text is a Block Kit text object. A "mrkdwn" text holds escaped outside
// text only (Escape, Esc, Link); "plain_text" is shown as it is.
type Text struct {
	Type string `json:"type"` // "mrkdwn" or "plain_text"
	Text string `json:"text"`
}

func (Text) element() {}

// Button is an interactive button element; bot/slash answers clicks by
// ActionID.
type Button struct {
	Type     string `json:"type"` // always "button"
	Text     Text   `json:"text"` // plain_text, at most MaxButtonText
	ActionID string `json:"action_id"`
	Value    string `json:"value,omitempty"` // at most MaxButtonValue
	Style    string `json:"style,omitempty"` // "primary", "danger" or ""
}

func (Button) element() {}

// Mrkdwn is a mrkdwn text object; s must already be escaped.
func Mrkdwn(s string) Text { return Text{Type: "mrkdwn", Text: s} }

// Plain is a plain_text object.
func Plain(s string) Text { return Text{Type: "plain_text", Text: Clean(s)} }

// Section is a section block of mrkdwn s, cut at a line to
// MaxSectionText; renderers budget their lists with List first, so that
// the cut says what it left out.
func Section(s string) Block {
	if len(s) > MaxSectionText {
		s = List(strings.Split(s, "\n"), 0, MaxSectionText, nil)
	}
	t := Mrkdwn(s)
	return Block{Type: "section", Text: &t}
}

// Context is a context block of mrkdwn parts, each clipped to
// MaxSectionText.
func Context(parts ...string) Block {
	b := Block{Type: "context"}
	for _, p := range parts {
		b.Elements = append(b.Elements, Mrkdwn(Clip(p, MaxSectionText)))
	}
	return b
}

// Fields is a section block of mrkdwn fields, each clipped to
// MaxFieldText; the caller keeps to MaxFields.
func Fields(fields ...string) Block {
	b := Block{Type: "section"}
	for _, f := range fields {
		b.Fields = append(b.Fields, Mrkdwn(Clip(f, MaxFieldText)))
	}
	return b
}

// NewButton is a button with a plain-text label of at most MaxButtonText
// bytes; a value over MaxButtonValue bytes is the caller's to avoid, as a
// cut value would act on something else.
func NewButton(text, actionID, value, style string) Button {
	return Button{Type: "button", Text: Plain(Clip(text, MaxButtonText)), ActionID: actionID, Value: value, Style: style}
}

// Actions is an actions block of buttons.
func Actions(blockID string, buttons ...Button) Block {
	b := Block{Type: "actions", BlockID: blockID}
	for _, bt := range buttons {
		b.Elements = append(b.Elements, bt)
	}
	return b
}

// UnmarshalJSON decodes a block, turning each element into a Button or a
// Text by its type, so that messages read back (tests, Socket Mode acks)
// round-trip.
func (b *Block) UnmarshalJSON(data []byte) error {
	var raw struct {
		Type     string            `json:"type"`
		BlockID  string            `json:"block_id"`
		Text     *Text             `json:"text"`
		Fields   []Text            `json:"fields"`
		Elements []json.RawMessage `json:"elements"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	*b = Block{Type: raw.Type, BlockID: raw.BlockID, Text: raw.Text, Fields: raw.Fields}
	for _, e := range raw.Elements {
		var probe struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(e, &probe); err != nil {
			return err
		}
		if probe.Type == "button" {
			var btn Button
			if err := json.Unmarshal(e, &btn); err != nil {
				return err
			}
			b.Elements = append(b.Elements, btn)
			continue
		}
		var t Text
		if err := json.Unmarshal(e, &t); err != nil {
			return fmt.Errorf("block element of type %q: %w", probe.Type, err)
		}
		b.Elements = append(b.Elements, t)
	}
	return nil
}
