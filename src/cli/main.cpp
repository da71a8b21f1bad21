#include "cli/commands.hpp"

int main(int argc, char** argv) { return taskapi::cli::run(argc, argv); }
