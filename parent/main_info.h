/*
 * NAME
 *	main_info.h 3h
 * SUMMARY
 *	--help, --version, and spotting --sandbox-check, --config-check early
 */
#ifndef MAIN_INFO_H
#define MAIN_INFO_H

/* Prints and exits when argv is exactly "--help" or "--version". */
void	main_info_option(int argc, char **argv);

/* 1 if --sandbox-check is among the options (before config is read). */
int	main_info_sandbox_check(int argc, char **argv);
/* 1 if --config-check is among the options (before config is read). */
int	main_info_config_check(int argc, char **argv);

#endif
