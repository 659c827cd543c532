/**
 * Participants and roles: {@link io.medledger.access.ParticipantId} (a tagged hash of an Ed25519
 * key; a patient's pseudonym), {@link io.medledger.access.ParticipantKind},
 * {@link io.medledger.access.InstitutionClass}, {@link io.medledger.access.Purpose} and the
 * registered {@link io.medledger.access.Participant}. The rules that use them (deny by default)
 * are enforced by chain validation.
 */
package io.medledger.access;
