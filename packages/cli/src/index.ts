// @kmodsim/cli: one way for every kmodsim tool to read its command line and meet the world.

export { getopt, type GetoptResult, type OptionSpec, type ParsedOption } from './getopt.js';
export { parseCommandLine, type CommandLine, type ParsedCommandLine } from './command-line.js';
export { endOnClosedPipe, processIo, systemClock, type CliIo, type CliMain, type Clock, type TextSink } from './io.js';
export { asksForHelp, reportOptionError, reportUsageError, USAGE_STATUS } from './usage.js';
export { testIo, testClock, type TestIo, type TestClock } from './test-io.js';
