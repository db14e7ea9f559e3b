package slacktest

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/compasshq/compass/bot/slacktext"
)

// Check applies Slack's message limits to a message as chat.postMessage and
// chat.update receive it (and as a slash command's response carries it):
// the top-level text, the blocks, and the blocks of each attachment. It
// returns Slack's error code for the first problem, "msg_too_long" or
// "invalid_blocks", and an error saying where, the way Slack's "errors"
// list does ("must be less than 3001 characters
// [json-pointer:/blocks/0/text/text]"); "" and nil when the message fits.
// Lengths are counted in bytes, as the bot budgets them (see
// slacktext.Clip): never fewer than Slack's characters, so a message the
// fake accepts, Slack accepts.
func Check(text string, blocks, attachments json.RawMessage) (code string, err error) {
	if len(text) > slacktext.MaxMessageText {
		return "msg_too_long", fmt.Errorf("text is %d bytes, over %d", len(text), slacktext.MaxMessageText)
	}
	if len(blocks) > 0 {
		if err := checkBlocks(blocks, "/blocks"); err != nil {
			return "invalid_blocks", err
		}
	}
	if len(attachments) > 0 {
		var atts []struct {
			Blocks json.RawMessage `json:"blocks"`
		}
		if err := json.Unmarshal(attachments, &atts); err != nil {
			return "invalid_attachments", fmt.Errorf("attachments: %w", err)
		}
		for i, a := range atts {
			if len(a.Blocks) == 0 {
				continue
			}
			if err := checkBlocks(a.Blocks, fmt.Sprintf("/attachments/%d/blocks", i)); err != nil {
				return "invalid_blocks", err
			}
		}
	}
	return "", nil
}

// block is the part of a Block Kit block that Slack's limits concern.
type block struct {
	Type     string        `json:"type"`
	Text     *textObject   `json:"text"`
	Fields   []textObject  `json:"fields"`
	Elements []elementJSON `json:"elements"`
}

type textObject struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type elementJSON struct {
	Type  string          `json:"type"`
	Text  json.RawMessage `json:"text"` // a string in a context's text element, an object in a button
	Value string          `json:"value"`
}

func checkBlocks(raw json.RawMessage, at string) error {
	var bs []block
	if err := json.Unmarshal(raw, &bs); err != nil {
		return fmt.Errorf("%s: %w", at, err)
	}
	if len(bs) > slacktext.MaxBlocks {
		return fmt.Errorf("no more than %d items allowed [json-pointer:%s]", slacktext.MaxBlocks, at)
	}
	for i, b := range bs {
		if err := checkBlock(b); err != nil {
			return fmt.Errorf("%w [json-pointer:%s/%d]", err, at, i)
		}
	}
	return nil
}

func checkBlock(b block) error {
	switch b.Type {
	case "section":
		if b.Text == nil && len(b.Fields) == 0 {
			return errors.New("section needs text or fields")
		}
		if b.Text != nil {
			if err := checkLen("text", b.Text.Text, 1, slacktext.MaxSectionText); err != nil {
				return err
			}
		}
		if len(b.Fields) > slacktext.MaxFields {
			return fmt.Errorf("fields: no more than %d items allowed", slacktext.MaxFields)
		}
		for _, f := range b.Fields {
			if err := checkLen("fields", f.Text, 1, slacktext.MaxFieldText); err != nil {
				return err
			}
		}
	case "header":
		if b.Text == nil {
			return errors.New("header needs text")
		}
		return checkLen("text", b.Text.Text, 1, slacktext.MaxHeaderText)
	case "context":
		if len(b.Elements) == 0 || len(b.Elements) > slacktext.MaxContextElements {
			return fmt.Errorf("elements: between 1 and %d items allowed", slacktext.MaxContextElements)
		}
		for _, e := range b.Elements {
			var s string
			if json.Unmarshal(e.Text, &s) == nil {
				if err := checkLen("elements", s, 1, slacktext.MaxSectionText); err != nil {
					return err
				}
			}
		}
	case "actions":
		if len(b.Elements) == 0 || len(b.Elements) > slacktext.MaxActionElements {
			return fmt.Errorf("elements: between 1 and %d items allowed", slacktext.MaxActionElements)
		}
		for _, e := range b.Elements {
			if e.Type != "button" {
				continue
			}
			var label textObject
			if err := json.Unmarshal(e.Text, &label); err != nil {
				return fmt.Errorf("button text: %w", err)
			}
			if err := checkLen("button text", label.Text, 1, slacktext.MaxButtonText); err != nil {
				return err
			}
			if err := checkLen("button value", e.Value, 0, slacktext.MaxButtonValue); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkLen(what, s string, lo, hi int) error {
	if len(s) < lo || len(s) > hi {
		return fmt.Errorf("%s: must be between %d and %d characters, is %d", what, lo, hi, len(s))
	}
	return nil
}
