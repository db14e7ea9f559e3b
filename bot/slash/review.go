package slash

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/compasshq/compass/bot"
	"github.com/compasshq/compass/bot/github"
	"github.com/compasshq/compass/bot/review"
	"github.com/compasshq/compass/bot/slacktext"
)

// SubReview drafts the review of a resolved incident.
const SubReview Sub = "review"

// ActionDraftReview is the Draft review button of a resolved parent.
const ActionDraftReview = bot.ActionDraftReview

// Proposer opens a pull request adding a file; *github.Client implements it.
type Proposer interface {
	Propose(ctx context.Context, p github.Proposal) (prURL string, created bool, err error)
}

// ThreadReader reads the messages of an incident's thread (Slack's
// conversations.replies), oldest first; *slack.Poster implements it.
type ThreadReader interface {
	Replies(ctx context.Context, channelID, ts string) ([]bot.ThreadMessage, error)
}

// recentForReview is how many recent incidents /compass review looks
// through for the channel's last resolved one.
const recentForReview = 200

// reviewCommand answers /compass review [incident key]: the incident
// named, else the one resolved most recently among those threaded in the
// channel the command was typed in.
func (h *Handler) reviewCommand(ctx context.Context, c Command, key string) Response {
	hist, ok := h.opt.Incidents.(History)
	if !ok || h.opt.Incidents == nil {
		return ephemeral(":warning: Could not draft a review: this bot has no incident store.")
	}
	var inc *bot.Incident
	var err error
	if key = strings.TrimSpace(key); key != "" {
		inc, err = h.opt.Incidents.Find(ctx, key)
	} else {
		inc, err = lastResolvedIn(ctx, hist, c.ChannelID)
	}
	switch {
	case errors.Is(err, bot.ErrNotFound) && key != "":
		return ephemeral(fmt.Sprintf(":warning: No incident `%s`. `/compass incidents` lists the open ones; the key is at the foot of each thread's parent.", slacktext.Code(key, 200)))
	case errors.Is(err, bot.ErrNotFound):
		return ephemeral("No resolved incident has its thread in this channel. Name one: `/compass review <incident key>` (the key is at the foot of the thread's parent).")
	case err != nil:
		h.log.Error("find incident for review", "incident_key", key, "error", err)
		return ephemeral(":warning: Could not read the incident store. Try again.")
	}
	return ephemeral(h.draftReview(ctx, hist, inc, c.UserID))
}

// lastResolvedIn finds the incident resolved most recently among the
// recent incidents threaded in channel.
func lastResolvedIn(ctx context.Context, hist History, channel string) (*bot.Incident, error) {
	incs, err := hist.Recent(ctx, recentForReview)
	if err != nil {
		return nil, err
	}
	var best *bot.Incident
	for _, inc := range incs {
		if inc.Status == bot.StatusResolved && inc.Thread.Channel == channel && (best == nil || inc.ResolvedAt.After(best.ResolvedAt)) {
			best = inc
		}
	}
	if best == nil {
		return nil, bot.ErrNotFound
	}
	return best, nil
}

// reviewButton answers Draft review: the generation the clicked parent
// shows (bot.ReviewValue), told to the clicker.
func (h *Handler) reviewButton(ctx context.Context, in Interaction, a Action) {
	hist, ok := h.opt.Incidents.(History)
	gen, key, _ := strings.Cut(a.Value, " ")
	n, err := strconv.Atoi(gen)
	switch {
	case !ok || h.opt.Incidents == nil:
		h.tell(ctx, in, ":warning: Could not draft a review: this bot has no incident store.")
		return
	case err != nil || key == "":
		h.tell(ctx, in, ":warning: Could not draft a review: the button names no incident.")
		return
	}
	inc, err := hist.FindGeneration(ctx, key, n)
	if err != nil {
		h.log.Warn("find incident for review", "incident_key", key, "generation", n, "error", err)
		h.tell(ctx, in, fmt.Sprintf(":warning: Could not find incident `%s` (recurrence %d) in the store.", slacktext.Code(key, 200), n))
		return
	}
	h.tell(ctx, in, h.draftReview(ctx, hist, inc, in.User.ID))
}

// draftReview drafts inc's review and delivers it: a pull request with a
// GitHub token, else the file in the thread. It returns what to tell the
// person who asked; the thread hears of the pull request too.
func (h *Handler) draftReview(ctx context.Context, hist History, inc *bot.Incident, by string) string {
	log := h.log.With("incident_key", inc.Key, "generation", inc.Generation, "slack_user", by)
	if inc.Status != bot.StatusResolved {
		return fmt.Sprintf("`%s` is not resolved yet; draft its review once it is.", slacktext.Code(inc.Key, 200))
	}
	changes, dropped, err := hist.Changes(ctx, inc.Key, inc.Generation)
	if err != nil {
		log.Error("read incident changes for review", "error", err)
		return ":warning: Could not read the incident's history from the store. Try again."
	}
	in := review.Input{
		Incident: inc, Changes: changes, Dropped: dropped, Notes: h.threadNotes(ctx, inc),
		Runbooks: h.lk.RunbookURLs(inc.AlertNames()), Thread: h.Permalink(inc.Thread),
	}
	if tm, ok := h.lk.TeamFor(inc.Labels, inc.AlertNames()); ok {
		in.Owner = tm.ID
	}
	d, err := review.Write(in)
	if err != nil {
		return fmt.Sprintf(":warning: Could not draft the review: %s", slacktext.Esc(err.Error(), 300))
	}
	if h.opt.GitHub == nil {
		return h.postDraft(ctx, inc, d, log)
	}
	u, created, err := h.opt.GitHub.Propose(ctx, github.Proposal{
		Branch: d.Branch, Path: d.Path, Content: d.Markdown,
		Message: "Add the incident review of " + d.Title,
		Title:   "Incident review: " + d.Title,
		Body:    "Drafted by the Compass bot from the incident's Slack thread" + parenthesised(in.Thread) + ". Fill in the sections marked TODO before merging.",
	})
	if err != nil {
		log.Error("open review pull request", "error", err)
		return fmt.Sprintf(":warning: Could not open the review's pull request: %s. Try again; a retry continues where this one stopped.", slacktext.Esc(err.Error(), 300))
	}
	link := slacktext.Link(u, "the review's pull request")
	if created {
		log.Info("review pull request opened", "url", u)
		h.postInThread(ctx, inc, ":memo: Review drafted: "+link+". Fill in impact, cause, what went well and what to change.", log)
		return ":memo: Opened " + link + "."
	}
	return ":memo: The review already has " + link + "."
}

// threadNotes are what people wrote in inc's thread, named as the
// handbook knows them; none without a ThreadReader or a posted thread.
func (h *Handler) threadNotes(ctx context.Context, inc *bot.Incident) []review.Note {
	if h.opt.Threads == nil || inc.Thread.TS == "" {
		return nil
	}
	msgs, err := h.opt.Threads.Replies(ctx, inc.Thread.Channel, inc.Thread.TS)
	if err != nil {
		h.log.Warn("read thread for review; drafting without its notes", "incident_key", inc.Key, "error", err)
		return nil
	}
	names := map[string]string{}
	for _, m := range h.src.Map().People {
		if m.Slack != "" {
			names[m.Slack] = m.Name
		}
	}
	var notes []review.Note
	for _, m := range msgs {
		if m.User == "" || m.TS == inc.Thread.TS || strings.TrimSpace(m.Text) == "" {
			continue
		}
		notes = append(notes, review.Note{At: tsTime(m.TS), Who: cmp.Or(names[m.User], m.User), Text: Unslack(m.Text)})
	}
	return notes
}

// tsTime reads a Slack ts ("1792030327.000100") as a time.
func tsTime(ts string) time.Time {
	sec, frac, _ := strings.Cut(ts, ".")
	s, _ := strconv.ParseInt(sec, 10, 64)
	us, _ := strconv.ParseInt(frac, 10, 64)
	return time.Unix(s, us*1000).UTC()
}

func parenthesised(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

func ephemeral(text string) Response {
	return Response{ResponseType: Ephemeral, Text: text, Blocks: []slacktext.Block{slacktext.Section(text)}}.fit(0)
}

// postInThread posts text in inc's thread, when there is a Poster and a
// thread; a failure is logged, as the asker has their answer.
func (h *Handler) postInThread(ctx context.Context, inc *bot.Incident, text string, log *slog.Logger) bool {
	return h.postMessage(ctx, inc, bot.Message{Text: text, Blocks: []slacktext.Block{slacktext.Section(text)}}, log)
}

func (h *Handler) postMessage(ctx context.Context, inc *bot.Incident, msg bot.Message, log *slog.Logger) bool {
	if h.opt.Poster == nil || inc.Thread.TS == "" {
		return false
	}
	msg.ThreadTS = inc.Thread.TS
	if _, _, err := h.opt.Poster.PostMessage(ctx, inc.Thread.Channel, msg); err != nil {
		log.Warn("post review in thread", "error", err)
		return false
	}
	return true
}

// postDraft posts the draft in the thread (no GitHub token): a file to
// save under content/reviews/ and open a pull request with.
func (h *Handler) postDraft(ctx context.Context, inc *bot.Incident, d *review.Draft, log *slog.Logger) string {
	head := fmt.Sprintf(":memo: Review draft: save it as `%s` in the handbook repository, fill in the TODOs and open a pull request.", slacktext.Code(d.Path, 200))
	msg := bot.Message{Text: "Review draft: " + slacktext.Clip(d.Path, 200), Blocks: append([]slacktext.Block{slacktext.Section(head)}, draftBlocks(d.Markdown)...)}
	if h.postMessage(ctx, inc, msg, log) {
		log.Info("review draft posted in the thread", "path", d.Path)
		return ":memo: The review draft is in the incident's thread."
	}
	// No thread to post in: the asker gets the file.
	return head + "\n" + strings.Join(codeChunks(d.Markdown, slacktext.MaxSectionText-len(head)-1, 1), "")
}

// draftBlocks are the draft as code blocks, each within a section's limit,
// as many as a message holds beside its heading.
func draftBlocks(md []byte) []slacktext.Block {
	var bs []slacktext.Block
	for _, c := range codeChunks(md, slacktext.MaxSectionText, slacktext.MaxBlocks-2) {
		bs = append(bs, slacktext.Section(c))
	}
	return bs
}

// codeChunks cuts the Markdown, escaped for Slack, into at most n code
// blocks of at most limit bytes each, at line ends; what does not fit is
// replaced by a note. Slack's code blocks cannot hold three backticks, so
// a run of them gets a zero-width space.
func codeChunks(md []byte, limit, n int) []string {
	const fence = "```"
	text := strings.ReplaceAll(slacktext.Escape(string(md)), fence, "`\u200b``")
	room := limit - 2*len(fence) - 2
	var out []string
	for text != "" && len(out) < n {
		cut := min(len(text), room)
		if cut < len(text) {
			if i := strings.LastIndexByte(text[:cut], '\n'); i > 0 {
				cut = i + 1
			} else {
				// One line longer than a block: cut on a rune, outside an entity.
				for cut > 0 && !utf8.RuneStart(text[cut]) {
					cut--
				}
				if j := strings.LastIndexByte(text[:cut], '&'); j >= 0 && !strings.Contains(text[j:cut], ";") {
					cut = j
				}
			}
		}
		out = append(out, fence+"\n"+strings.TrimRight(text[:cut], "\n")+"\n"+fence)
		text = text[cut:]
	}
	if text != "" && len(out) > 0 {
		out[len(out)-1] = fmt.Sprintf("…the rest of the draft (%d bytes) does not fit in one Slack message; set bot.github.token to get pull requests instead.", len(text))
	}
	return out
}
