/* Stop requests from signals. */
#include "util/interrupt.h"

#include <signal.h>

static volatile sig_atomic_t requests;

void interrupt_note(void)
{
	if (requests < 1000)
		requests = requests + 1;
}

unsigned interrupt_count(void)
{
	return (unsigned)requests;
}
