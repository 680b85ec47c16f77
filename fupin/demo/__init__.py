"""The demo: synthetic people, help, cooperation and a simulated campaign run, built on the
apps' own services. Nothing in the apps imports it; `fupin demo` (fupin/cli) does."""
