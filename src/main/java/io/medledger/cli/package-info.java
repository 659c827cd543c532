/** The command-line front end behind bin/medledger. */
package io.medledger.cli;
