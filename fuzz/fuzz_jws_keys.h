/* SPDX-License-Identifier: MIT */
/* Public keys of the seed tokens; made by fuzz/mkcorpus.py. */
static const char fuzz_jws_jwks[] =
    "{\"keys\":[{\"kty\":\"RSA\",\"n\":\"04QOmHdz8Whe2hTrUQ31DpfWFx3Scc81MjtZS"
    "ibE002gBUbeqYDaDnsCw54j6K-lVpt0FZYh7iFYoA1HMFt_NHB8JGHU-6OtN0RLl"
    "bau9H4pN7S6AxZ3StWNhKFa2_Y7npbH_3X5_7adWaqRK7IHSLSISOuZ69n2DO4YJ"
    "pMmys4uUsolUKXTFi75hiXbMdCswPk8xoLrJrYTf6ZrUpXqDUs6nYzovjKfH4HG1"
    "qiuA4j5rOpDYMaZKfv8CgB_9X3_A8VrYb0JTrXp7RJ1ed0xsKRafNZKR9k_v3_kI"
    "jcGMj6X_A3rmFMYutugeJk0G152P1GlFQC6WiHiz_ot8VLyow\",\"e\":\"AQAB\",\"k"
    "id\":\"rsa-1\",\"use\":\"sig\"},{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"_hupmHAO"
    "dfqMU0WsFQP20h_bapifpPyKvUGCaXKJRhM\",\"y\":\"IlyEH91Ktbnh7dop7BIEmV"
    "xjwDnf1M58gQjSSED5TKc\",\"kid\":\"p256-1\",\"use\":\"sig\"},{\"kty\":\"EC\",\""
    "crv\":\"P-384\",\"x\":\"oDrmQqXFdalM_XIoY7RbvL4Xw07ABxSo8WTPI8nihGKQ-r"
    "mISWenwOO7i86zYt74\",\"y\":\"KZBUNK3ghoAqFPIFRzSU651858qoIMlNLkPrYDu"
    "VSzURz0WINPlsWf_ezcAiXsZO\",\"kid\":\"p384-1\",\"use\":\"sig\"},{\"kty\":\"O"
    "KP\",\"crv\":\"Ed25519\",\"x\":\"Noby0IOLdp3IuolJsrriICt1AMHZAvTo-TXTdmu"
    "IPnY\",\"kid\":\"ed25519-1\",\"use\":\"sig\"},{\"kty\":\"OKP\",\"crv\":\"Ed448\","
    "\"x\":\"Uo4v4IenZUTCRgJl6jG8tdyIvsBfSF12OgtA_I0IetqpdHApTcCDZ9zuddJ"
    "AXfdR5SIGkb0YBqKA\",\"kid\":\"ed448-1\",\"use\":\"sig\"}]}"
;
