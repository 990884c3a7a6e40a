#include "cli/cli.h"

int main(int argc, char** argv) { return tc::CliMain(argc, argv); }
