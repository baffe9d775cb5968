// Package cli holds trustbridge's command-line interface: the root command
// and one file per subcommand. Commands parse flags (which may also come
// from TRUSTBRIDGE_* environment variables and a --config YAML file), build
// the runtime configuration and call into the packages that do the work;
// they contain no protocol or policy logic of their own.
package cli
