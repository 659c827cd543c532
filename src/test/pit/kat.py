# Independent oracle for io.medledger.chain.KnownAnswerTest: recomputes every expected value
# from the byte layouts with hashlib and the cryptography package (Ed25519). Run: python3 kat.py
import hashlib, struct
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization
H=lambda *p: hashlib.sha256(b''.join(p)).digest()
seed=bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
sk=Ed25519PrivateKey.from_private_bytes(seed)
pub=sk.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
print("pub", pub.hex())
chain=H(b"medledger/chain/v1\0", b"kat")
print("chainId", chain.hex())
created=1767225600000
content=bytes([1,4])+pub+struct.pack(">q",created)
print("content", content.hex())
print("id", H(content).hex())
msg=b"medledger/entry-signature/v1\0"+chain+content
print("msg", msg.hex())
sig=sk.sign(msg)
print("sig", sig.hex())
item=pub+struct.pack(">I",64)+sig
enc=content+struct.pack(">I",1)+struct.pack(">I",len(item))+item
print("encoded", enc.hex())
print("leaf", H(b"\0",enc).hex())
# heads tree
k1=bytes(32); k2=bytes([0x80])+bytes(31); k3=bytes([0x40])+bytes(31)
v1=H(b"v1"); v2=H(b"v2"); v3=H(b"v3")
L=lambda k,v: H(b"\x10",k,v)
N=lambda l,r: H(b"\x11",l,r)
Z=bytes(32)
print("v1",v1.hex(),"v2",v2.hex(),"v3",v3.hex())
print("heads1", L(k1,v1).hex())
print("heads12", N(L(k1,v1),L(k2,v2)).hex())
print("heads13", N(N(L(k1,v1),L(k3,v3)),Z).hex())
print("heads123", N(N(L(k1,v1),L(k3,v3)),L(k2,v2)).hex())
# sub-block header
key=H(b"patient"); prev=H(b"prev"); root=H(b"root")
sbenc=bytes([1])+key+struct.pack(">q",7)+prev+struct.pack(">q",3)+struct.pack(">I",2)+struct.pack(">q",5)+root
sbh=H(b"medledger/sub-block/v1\0",sbenc)
print("key",key.hex(),"prev",prev.hex(),"root",root.hex())
print("subenc", sbenc.hex())
print("subhash", sbh.hex())
print("subleaf", H(b"\0",key,sbh).hex())
print("hashPrefixed5a", H(b"\x5a", b"abc").hex())
print("hashPrefixed5a2", H(b"\x5a", v1, v2).hex())
# a medical record with an institution, two storage nodes and an amendment
patient=H(b"patient-1"); author=H(b"author-1"); inst=H(b"inst-1"); payload=H(b"payload")
n1=H(b"node-1"); n2=H(b"node-2"); amends=H(b"earlier")
rt=b"Observation"
rec=(bytes([1,0])+patient+author+b"\x01"+inst+struct.pack(">I",len(rt))+rt+payload+struct.pack(">q",1234)
     +struct.pack(">I",2)+n1+n2+struct.pack(">I",3)+b"\x01\x02\x03"+struct.pack(">q",created)+b"\x01"+amends)
print("record", rec.hex())
print("recordId", H(rec).hex())
# an institution removal (kind 14): institution id, createdAt; signed with the RFC 8032 key
rem=bytes([1,14])+inst+struct.pack(">q",created)
print("removal", rem.hex())
print("removalId", H(rem).hex())
rsig=sk.sign(b"medledger/entry-signature/v1\0"+chain+rem)
ritem=pub+struct.pack(">I",64)+rsig
renc=rem+struct.pack(">I",1)+struct.pack(">I",len(ritem))+ritem
print("removalEncoded", renc.hex())
print("removalLeaf", H(b"\0",renc).hex())
