/** Participants, roles and deny-by-default access control. */
package io.medledger.access;
