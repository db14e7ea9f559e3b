package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/compasshq/compass/bot/slash"
	"go.yaml.in/yaml/v3"
)

// TestKubernetesExample is the schema check of bot/deploy/kubernetes.yaml
// (kubectl is not on the test machines): every object names its kind, the
// Deployment runs 2 replicas of compass bot with probes on /healthz and
// /readyz at the port the Service targets, and every COMPASS_* variable is
// a configuration key.
func TestKubernetesExample(t *testing.T) {
	b, err := os.ReadFile("../../bot/deploy/kubernetes.yaml")
	if err != nil {
		t.Fatal(err)
	}
	type probe struct {
		HTTPGet struct{ Path, Port string } `yaml:"httpGet"`
	}
	type object struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string
		Metadata   struct{ Name string }
		Spec       struct {
			Replicas int
			Selector struct {
				MatchLabels map[string]string `yaml:"matchLabels"`
			}
			Template struct {
				Metadata struct{ Labels map[string]string }
				Spec     struct {
					Containers []struct {
						Args  []string
						Ports []struct {
							Name          string
							ContainerPort int `yaml:"containerPort"`
						}
						Env       []struct{ Name string }
						Liveness  probe `yaml:"livenessProbe"`
						Readiness probe `yaml:"readinessProbe"`
					}
				}
			}
			Ports []struct {
				TargetPort string `yaml:"targetPort"`
			}
		}
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	kinds := map[string]object{}
	for {
		var o object
		if err := dec.Decode(&o); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("kubernetes.yaml: %v", err)
		}
		if o.APIVersion == "" || o.Kind == "" || o.Metadata.Name == "" {
			t.Errorf("an object without apiVersion, kind or metadata.name: %+v", o)
		}
		kinds[o.Kind] = o
	}
	d, svc := kinds["Deployment"], kinds["Service"]
	if d.Spec.Replicas != 2 || len(d.Spec.Template.Spec.Containers) != 1 {
		t.Fatalf("want a Deployment of 2 replicas of one container, got %+v", d.Spec)
	}
	for k, v := range d.Spec.Selector.MatchLabels {
		if d.Spec.Template.Metadata.Labels[k] != v {
			t.Errorf("the Deployment's selector %s=%s does not match its pods", k, v)
		}
	}
	c := d.Spec.Template.Spec.Containers[0]
	if len(c.Args) == 0 || c.Args[0] != "bot" {
		t.Errorf("container args %q, want bot", c.Args)
	}
	if len(c.Ports) != 1 || c.Liveness.HTTPGet.Path != "/healthz" || c.Readiness.HTTPGet.Path != "/readyz" ||
		c.Liveness.HTTPGet.Port != c.Ports[0].Name || c.Readiness.HTTPGet.Port != c.Ports[0].Name {
		t.Errorf("probes %+v %+v on ports %+v, want /healthz and /readyz on the container's port", c.Liveness, c.Readiness, c.Ports)
	}
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].TargetPort != c.Ports[0].Name {
		t.Errorf("the Service targets %+v, not the container's port %q", svc.Spec.Ports, c.Ports[0].Name)
	}
	keys := defaultValues()
	for _, e := range c.Env {
		found := false
		for k := range keys {
			if "COMPASS_"+strings.ToUpper(strings.ReplaceAll(k, ".", "_")) == e.Name {
				found = true
			}
		}
		if !found {
			t.Errorf("env %s is no configuration key", e.Name)
		}
	}
}

// TestSlackAppManifest: the app manifest's slash command and interactivity
// URLs are the paths compass bot serves them on.
func TestSlackAppManifest(t *testing.T) {
	b, err := os.ReadFile("../../bot/deploy/slack-app.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Features struct {
			SlashCommands []struct{ Command, URL string } `yaml:"slash_commands"`
			Shortcuts     []struct {
				Type       string
				CallbackID string `yaml:"callback_id"`
			}
		}
		Settings struct {
			Interactivity struct {
				RequestURL string `yaml:"request_url"`
			}
		}
	}
	if err := yaml.Unmarshal(b, &m); err != nil {
		t.Fatalf("slack-app.yaml: %v", err)
	}
	if len(m.Features.SlashCommands) != 1 || m.Features.SlashCommands[0].Command != "/compass" ||
		!strings.HasSuffix(m.Features.SlashCommands[0].URL, "/slack/commands") {
		t.Errorf("slash commands %+v, want /compass at …/slack/commands", m.Features.SlashCommands)
	}
	if len(m.Features.Shortcuts) != 1 || m.Features.Shortcuts[0].Type != "message" || m.Features.Shortcuts[0].CallbackID != slash.ShortcutSplit {
		t.Errorf("shortcuts %+v, want the message shortcut %s", m.Features.Shortcuts, slash.ShortcutSplit)
	}
	if !strings.HasSuffix(m.Settings.Interactivity.RequestURL, "/slack/interactions") {
		t.Errorf("interactivity URL %q, want …/slack/interactions", m.Settings.Interactivity.RequestURL)
	}
}
