package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/viper"
)

// configFile is the site's (and the bot's) configuration file name.
const configFile = "compass.yaml"

// loadConfig returns a viper holding, in order of precedence: values bound from
// flags by the caller, COMPASS_* environment variables (key "bot.store" is
// COMPASS_BOT_STORE), dir/compass.yaml if it exists, and the caller's defaults.
// defaults is called before env binding so every key it sets is also
// settable from the environment.
func loadConfig(dir string, defaults func(v *viper.Viper)) (*viper.Viper, error) {
	v := viper.New()
	if defaults != nil {
		defaults(v)
	}
	v.SetEnvPrefix("COMPASS")
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_", "-", "_"))
	v.AutomaticEnv()
	path := filepath.Join(dir, configFile)
	if _, err := os.Stat(path); err == nil {
		v.SetConfigFile(path)
		if err := v.ReadInConfig(); err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return v, nil
}
