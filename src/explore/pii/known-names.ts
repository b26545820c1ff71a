/**
 * Common given names and surnames (frequent in US census and SSA lists, with some European
 * ones). A column of capitalised words is taken for person names when enough of its values
 * contain one of these; the list only needs to hit often, not to be complete.
 */
const GIVEN = `james john robert michael william david richard joseph thomas charles christopher daniel matthew anthony mark
donald steven paul andrew joshua kenneth kevin brian george timothy ronald edward jason jeffrey ryan jacob gary nicholas eric
jonathan stephen larry justin scott brandon benjamin samuel gregory alexander frank patrick raymond jack dennis jerry tyler
aaron jose adam nathan henry douglas zachary peter kyle ethan walter noah jeremy christian keith roger terry gerald harold sean
austin carl arthur lawrence dylan jesse jordan bryan billy joe bruce gabriel logan albert willie alan juan wayne elijah randy
roy vincent ralph eugene russell bobby mason philip louis liam oliver lucas hugo leo luca marco paolo giovanni pierre jean
hans klaus jens lars sven mohammed ahmed ali omar carlos luis miguel pedro diego
mary patricia jennifer linda elizabeth barbara susan jessica sarah karen lisa nancy betty margaret sandra ashley kimberly
emily donna michelle carol amanda dorothy melissa deborah stephanie rebecca sharon laura cynthia kathleen amy angela shirley
anna brenda pamela emma nicole helen samantha katherine christine debra rachel carolyn janet catherine maria heather diane
ruth julie olivia joyce virginia victoria kelly lauren christina joan evelyn judith megan andrea cheryl hannah jacqueline
martha gloria teresa ann sara madison frances kathryn janice jean abigail alice judy sophia grace denise amber doris marilyn
danielle beverly isabella theresa diana natalie brittany charlotte marie kayla alexis lori sofia mia ava chloe zoe lea julia
clara elena laura ines marta anne sophie claire isabelle monique ingrid astrid fatima aisha priya wei li yuki`;

const SURNAMES = `smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez gonzalez wilson
anderson thomas taylor moore jackson martin lee perez thompson white harris sanchez clark ramirez lewis robinson walker young
allen king wright scott torres nguyen hill flores green adams nelson baker hall rivera campbell mitchell carter roberts gomez
phillips evans turner diaz parker cruz edwards collins reyes stewart morris morales murphy cook rogers gutierrez ortiz morgan
cooper peterson bailey reed kelly howard ramos kim cox ward richardson watson brooks chavez wood james bennett gray mendoza
ruiz hughes price alvarez castillo sanders patel myers long ross foster jimenez powell jenkins perry russell sullivan bell
coleman butler henderson barnes fisher vasquez simmons graham murray ford hamilton wallace west cole hayes bryant griffin
muller mueller schmidt schneider fischer weber meyer wagner becker schulz hoffmann rossi russo ferrari esposito bianchi
romano dupont durand bernard dubois moreau laurent simon michel lefebvre leroy petit garnier silva santos oliveira costa
pereira ferreira almeida wang zhang liu chen yang huang zhao wu zhou sato suzuki takahashi tanaka watanabe ito singh kumar
sharma khan ali hansen johansen nielsen jensen larsen andersen pedersen novak kowalski nowak`;

export const KNOWN_NAME_WORDS: ReadonlySet<string> = new Set(`${GIVEN} ${SURNAMES}`.split(/\s+/).filter((w) => w.length > 0));
