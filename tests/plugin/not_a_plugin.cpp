// A shared library without braid's entry points: loading it must fail.
extern "C" int not_a_braid_plugin() { return 42; }
