-- The signed payload is the JWS's middle part (RFC 8785 bytes, base64url): a second copy as jsonb
-- made every voucher row about a third larger, written at the insert and again at the
-- sequencer's leaf update. Views decode it from the JWS (service.ts payloadOf); the stored and
-- served voucher (the JWS) is unchanged, byte for byte.
ALTER TABLE "vouchers" DROP COLUMN "payload";
