/* dragnet ingest of certificate files: PEM, DER, CT get-entries JSON and
 * crt.sh JSON go to the certificate store, outside the packet pipeline. */
#pragma once

#include <stdbool.h>

#include "ingest/ingest.h"
#include "store/store.h"
#include "x509/pem.h"

/* The certificate format --format names ("pem", "der", "ct" or "crtsh"),
 * or X509_FORMAT_NONE for any other name. */
enum x509_format ingest_cert_format_from_name(const char *name);

/* Outcome of ingest_cert_input() for one input. */
enum ingest_cert_outcome {
	INGEST_CERT_NOT_CERTS, /* not a certificate file: give it to the packet pipeline */
	INGEST_CERT_READ,      /* read, with or without errors: see the exit code */
	INGEST_CERT_SKIPPED,   /* ingested before, and not read again */
};

/* Read path into store (NULL for a dry run) when it is a certificate file.
 * Without a forced format (X509_FORMAT_NONE) only a regular file is
 * examined, by its first 4 KiB, because reading the head of a pipe or a
 * device would take bytes the capture reader needs. With a forced format,
 * path may also be "-" or a pipe. Sets *outcome and returns an exit code,
 * after logging every problem. */
int ingest_cert_input(struct store *store, const char *path, const struct ingest_options *options,
                      enum x509_format forced, enum ingest_cert_outcome *outcome);
