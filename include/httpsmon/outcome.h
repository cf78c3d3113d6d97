/*
 * outcome: how a command or a long-running mode (dashboard, viewer,
 * collector) ended, as library code reports it. Modules return one of
 * these, with any message in the caller's buffer; they never print the
 * error themselves and never pick an exit status. main.c alone maps an
 * outcome to the process's exit status (monitoring-plugin style: 0 all UP,
 * 1 some WARN, 2 some DOWN, 3 usage or config error) and to how the
 * message is printed.
 */
#ifndef HTTPSMON_OUTCOME_H
#define HTTPSMON_OUTCOME_H

enum outcome {
	OUTCOME_OK,         /* done, every endpoint UP (or nothing to judge) */
	OUTCOME_WARN,       /* done, the worst endpoint is WARN */
	OUTCOME_DOWN,       /* done, some endpoint is DOWN */
	OUTCOME_FAILED,     /* started, then the loop or the last writes failed */
	OUTCOME_UNUSABLE,   /* could not start: database, terminal, bad URL, a second collector */
	OUTCOME_BAD_CONFIG, /* the config file is wrong; the message is its FILE:LINE lines */
	OUTCOME_USAGE,      /* the command line is wrong */
	OUTCOME_UNDELIVERED,/* test-notify: the notifier did not take the alert */
};

#endif
