# Lists the module import graph of a crate's src/ and its cycles: `python3 scripts/modgraph.py <crate>/src`
# prints each module's imports, then `CYCLES: [...]` (scripts/test requires `CYCLES: []`).
import re,sys,os
src=sys.argv[1]
mods={f[:-3] for f in os.listdir(src) if f.endswith('.rs')}
g={}
for m in mods:
    s=open(os.path.join(src,m+'.rs')).read()
    # drop test modules
    s=re.sub(r"//[^\n]*","",s)
    s=re.split(r'#\[cfg\(test\)\]\s*mod tests', s)[0]
    deps=set(re.findall(r'crate::(\w+)',s))
    for grp in re.findall(r'use crate::\{([^}]*)\}',s):
        deps|=set(re.findall(r'(\w+)::',grp))|set(x.strip() for x in grp.split(','))
    g[m]={d for d in deps if d in mods and d!=m}
# find cycles via Tarjan
idx={};low={};st=[];on=set();res=[];i=[0]
def sc(v):
    idx[v]=low[v]=i[0];i[0]+=1;st.append(v);on.add(v)
    for w in g[v]:
        if w not in idx: sc(w);low[v]=min(low[v],low[w])
        elif w in on: low[v]=min(low[v],idx[w])
    if low[v]==idx[v]:
        c=[]
        while True:
            w=st.pop();on.discard(w);c.append(w)
            if w==v:break
        if len(c)>1:res.append(c)
for v in g:
    if v not in idx: sc(v)
for m in sorted(g): print(m,'->',sorted(g[m]))
print('CYCLES:',res)
